"""Rate limits, the daily budget and OAuth refresh, end to end through `read`."""

from __future__ import annotations

import io

from tests.kit.cli import catalog_for, config_for, oauth_config_for
from tests.kit.faults import assert_states_cover_records


def test_burst_limit_is_respected_and_never_gets_us_blocked(cli, make_sandbox):
    sb = make_sandbox(burst=5)
    run = cli("read", config_for(sb), catalog_for(["deals", "persons", "stages", "users"]))
    assert run.code == 0, run.errors()
    truth = sb.truth()["streams"]
    assert set(run.ids("deals")) == set(truth["deals"]["live"]) | set(truth["deals"]["archived"])
    stats = sb.stats()
    assert stats["blocks"] == 0
    assert stats["status"].get("403", 0) == 0
    assert stats["status"].get("429", 0) == 0, "the limit is learned from the first answer and kept to"


def test_daily_budget_out_delivers_what_was_read_and_says_when_it_resets(cli, make_sandbox):
    sb = make_sandbox(daily_tokens=60)
    catalog = catalog_for(mode="incremental")
    first = cli("read", config_for(sb, num_workers=1), catalog)
    assert first.code != 0
    error = first.errors()[-1]
    assert error["failure_type"] == "transient_error"
    assert "refills at 2026-11-02" in error["message"]  # the sandbox's next UTC midnight
    incomplete = [m["trace"]["stream_status"] for m in first.of("TRACE")
                  if m["trace"]["type"] == "STREAM_STATUS" and m["trace"]["stream_status"]["status"] == "INCOMPLETE"]
    assert incomplete and all(s["reasons"][0]["type"] == "RATE_LIMITED" for s in incomplete)
    assert first.states(), "state of what was delivered must be emitted"
    assert sb.stats()["blocks"] == 0
    # Next day: the run resumes from the state and completes; together nothing is missing.
    sb.advance(86400)
    sb.configure(daily_tokens=None)
    second = cli("read", config_for(sb), catalog, first.final_state())
    assert second.code == 0, second.errors()
    truth = sb.truth()["streams"]
    for stream in ("deals", "persons", "organizations", "activities", "leads"):
        expected = set(truth[stream]["live"]) | set(truth[stream].get("archived", []))
        assert expected <= set(first.ids(stream)) | set(second.ids(stream)), stream


def test_oauth_refresh_emits_the_new_tokens_as_a_control_message(cli, sandbox):
    run = cli("read", oauth_config_for(sandbox), catalog_for(["pipelines", "stages"]))
    assert run.code == 0, run.errors()
    (control,) = run.of("CONTROL")
    new_config = control["control"]["connectorConfig"]["config"]
    assert new_config["credentials"]["access_token"]
    assert new_config["credentials"]["token_expiry_date"]
    assert new_config["base_url"] == sandbox.url
    assert run.records("stages")


def test_expired_access_token_is_refreshed_and_nothing_is_lost(cli, make_sandbox):
    sb = make_sandbox()
    first = cli("read", oauth_config_for(sb), catalog_for(["pipelines"]))
    creds = first.of("CONTROL")[-1]["control"]["connectorConfig"]["config"]["credentials"]
    sb.expire_oauth_tokens()
    second = cli("read", {"credentials": creds, "base_url": sb.url}, catalog_for(["deals"]))
    assert second.code == 0, second.errors()
    assert second.of("CONTROL"), "a refresh after the 401 must be reported"
    truth = sb.truth()["streams"]["deals"]
    assert set(second.ids("deals")) == set(truth["live"]) | set(truth["archived"])


class RevokeAfterFirstState(io.BytesIO):
    """The read's stdout; the sandbox token is revoked as soon as a STATE has been written to it."""

    def __init__(self, sb) -> None:
        super().__init__()
        self.sb = sb
        self.revoked = False

    def write(self, data) -> int:
        n = super().write(data)
        if not self.revoked and b'"type":"STATE"' in bytes(data):
            self.sb.revoke(self.sb.token)
            self.revoked = True
        return n


def test_revoked_token_is_a_config_error_and_keeps_what_was_delivered(cli, make_sandbox):
    sb = make_sandbox()
    out = RevokeAfterFirstState(sb)
    catalog = catalog_for(["pipelines", "stages", "deals", "persons", "organizations", "activities"])
    run = cli("read", config_for(sb, num_workers=1), catalog, out=out)
    assert out.revoked, "the read wrote no STATE: the token was never revoked mid-read"
    assert run.code != 0
    assert run.errors()[-1]["failure_type"] == "config_error"
    assert sb.token.encode() not in run.raw
    assert run.records(), "records were delivered before the revocation"
    assert_states_cover_records(run)  # each one covered by a STATE: what was delivered is kept


def test_scope_error_on_one_stream_leaves_the_others_complete(cli, make_sandbox):
    sb = make_sandbox()
    sb.deny("/api/v2/activities")
    run = cli("read", config_for(sb), catalog_for(["activities", "deals", "stages"]))
    assert run.code != 0
    assert run.statuses("activities")[-1] == "INCOMPLETE"
    assert run.statuses("deals")[-1] == "COMPLETE" and run.statuses("stages")[-1] == "COMPLETE"
    messages = [e["message"] for e in run.errors()]
    assert any("activities" in m for m in messages)
