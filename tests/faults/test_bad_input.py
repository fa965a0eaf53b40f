"""Bad configs, catalogs and states through the CLI: one clear config_error, a non-zero exit, no
traceback, no traffic."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest

from source_pipedrive.cli import main
from tests.kit import bad_inputs
from tests.kit.bad_inputs import BAD_CATALOGS, BAD_CONFIGS, BAD_STATES, Bad, cfg, cli_inputs, stream_msg
from tests.kit.cli import Cli, Run, catalog_for

DEALS = catalog_for(["deals"])


def _run(cli: Cli, command: str, bad: Bad) -> Run:
    args = cli_inputs(bad)
    if command != "read":
        return cli(command, args["config"])
    return cli("read", args["config"], args["catalog"], args["state"])


def assert_one_config_error(run: Run, bad: Bad) -> None:
    assert b"Traceback" not in run.raw, "a Python traceback leaked onto stdout"
    errors = run.errors()
    assert len(errors) == 1, f"{bad.id}: expected exactly one TRACE ERROR, got {errors}"
    (error,) = errors
    assert error["failure_type"] == "config_error", f"{bad.id}: {error}"
    assert "stack_trace" not in error, f"{bad.id}: a config error needs no stack trace: {error['message']}"
    message = error["message"].lower()
    for word in bad.words:
        assert word.lower() in message, f"{bad.id}: message does not name {word!r}: {error['message']}"
    assert run.code != 0
    assert not run.of("RECORD")
    assert bad_inputs.TOKEN not in error["message"] and bad_inputs.CLIENT_SECRET not in error["message"]


@pytest.mark.parametrize("bad", BAD_CONFIGS, ids=lambda b: b.id)
@pytest.mark.parametrize("command", ["discover", "read"])
def test_bad_config_is_one_config_error(cli, command, bad):
    assert_one_config_error(_run(cli, command, bad), bad)


@pytest.mark.parametrize("bad", BAD_CONFIGS, ids=lambda b: b.id)
def test_bad_config_fails_check_clearly(cli, bad):
    """`check` may answer a bad config either way the protocol allows: CONNECTION_STATUS FAILED naming the
    problem (a config Airbyte's UI shows to the user), or one TRACE ERROR config_error with a non-zero exit."""
    run = _run(cli, "check", bad)
    assert b"Traceback" not in run.raw
    statuses = run.of("CONNECTION_STATUS")
    if statuses:
        assert len(statuses) == 1 and not run.errors()
        status = statuses[0]["connectionStatus"]
        assert status["status"] == "FAILED", bad.id
        for word in bad.words:
            assert word.lower() in status["message"].lower(), f"{bad.id}: {status['message']}"
        assert bad_inputs.TOKEN not in status["message"]
    else:
        assert_one_config_error(run, bad)


@pytest.mark.parametrize("bad", BAD_CATALOGS + BAD_STATES, ids=lambda b: b.id)
def test_bad_catalog_or_state_is_one_config_error(cli, bad):
    run = _run(cli, "read", bad)
    assert_one_config_error(run, bad)
    assert not run.of("STATE"), "no state may be emitted for a read that never started"


def test_missing_input_files_are_config_errors(cli, tmp_path):
    config = cli.file(cfg())
    catalog = cli.file(DEALS)
    for argv, word in (
        (["discover", "--config", str(tmp_path / "none.json")], "does not exist"),
        (["read", "--config", config, "--catalog", str(tmp_path / "none.json")], "catalog file"),
        (["read", "--config", config, "--catalog", catalog, "--state", str(tmp_path)], "state file"),
    ):
        out = io.BytesIO()
        assert main(argv, out=out) != 0
        (line,) = out.getvalue().splitlines()
        error = orjson.loads(line)["trace"]["error"]
        assert error["failure_type"] == "config_error" and word in error["message"], error


@pytest.mark.parametrize("value", ["abc", "0", "-5", "100000", ""])
def test_a_bad_timeout_env_var_is_a_config_error_naming_it(cli, monkeypatch, value):
    monkeypatch.setenv("SOURCE_PIPEDRIVE_TIMEOUT", value)
    run = cli("read", cfg(), DEALS)
    assert_one_config_error(run, Bad(f"timeout-{value}", ("SOURCE_PIPEDRIVE_TIMEOUT",)))


def test_bad_input_count_is_reported(capsys):
    n = bad_inputs.count() + 3 + 5  # + the missing-file cases and the bad timeout values
    with capsys.disabled():
        print(f"\n[faults] bad inputs tried: {n} ({len(BAD_CONFIGS)} configs x check/discover/read, "
              f"{len(BAD_CATALOGS)} catalogs, {len(BAD_STATES)} states, 3 missing files)")
    assert n >= 100


# -- states that look odd but are right: accepted, and applied exactly -----------------------------

ACCEPTED = ["legacy-airbyte-v1-format", "legacy-as-LEGACY-message", "unknown-stream-beside-ours"]


def _sandbox_config(sb: Any) -> dict:
    """A good config for the sandbox `sb`."""
    return bad_inputs.cfg(base_url=sb.url, credentials={"auth_type": "api_token", "api_token": sb.token})


@pytest.mark.parametrize("shape", ACCEPTED)
def test_older_and_foreign_states_are_accepted_and_applied_exactly(cli, sandbox, shape):
    """Airbyte's connector kept {"deals": {"update_time": "YYYY-MM-DD HH:MM:SS"}}; a read from it delivers
    exactly the records whose cursor is at or after that instant (every part of deals, and users by
    `modified`). States of streams we do not have are ignored with a WARN naming them."""
    from source_pipedrive.timeutil import parse_datetime

    catalog = catalog_for(["deals", "users"], mode="incremental")
    full = cli("read", _sandbox_config(sandbox), catalog)
    assert full.code == 0, full.errors()
    cut = sorted(parse_datetime(r["update_time"]) for r in full.records("deals"))[len(full.records("deals")) // 2]
    since = cut.strftime("%Y-%m-%d %H:%M:%S")
    blob = {"deals": {"update_time": since}, "users": {"modified": since}}
    state = {"legacy-airbyte-v1-format": blob,
             "legacy-as-LEGACY-message": [{"type": "LEGACY", "data": blob}],
             "unknown-stream-beside-ours": [
                 stream_msg("contacts", {"hs_lastmodifieddate": 1}),
                 stream_msg("deals", blob["deals"]),
                 stream_msg("users", blob["users"])]}[shape]
    run = cli("read", _sandbox_config(sandbox), catalog, state)
    assert run.code == 0, run.errors()
    floor = parse_datetime(since)
    for stream, key in (("deals", "update_time"), ("users", "modified")):
        want = {r["id"] for r in full.records(stream) if parse_datetime(r[key]) >= floor}
        assert set(run.ids(stream)) == want, stream
        assert run.states(stream)
    assert 0 < len(run.ids("deals")) < len(full.ids("deals"))
    warnings = [m["log"]["message"] for m in run.of("LOG") if m["log"]["level"] == "WARN"]
    assert ("contacts" in " ".join(warnings)) == (shape == "unknown-stream-beside-ours")


def test_a_far_future_state_in_airbytes_old_format_yields_no_records_but_a_state(cli, sandbox):
    catalog = catalog_for(["deals", "users", "persons"], mode="incremental")
    blob = {"deals": {"update_time": "2999-01-01 00:00:00"}, "users": {"modified": "2999-01-01 00:00:00"},
            "persons": {"update_time": "2999-01-01T00:00:00Z"}}
    run = cli("read", _sandbox_config(sandbox), catalog, blob)
    assert run.code == 0, run.errors()
    assert not run.of("RECORD")
    for stream in blob:
        assert run.states(stream), stream

