"""The streams beyond the core CRM entities (notes, files, call logs, mail threads, goals, account metadata
and the field lists) read end to end through the CLI against the sandbox."""

from __future__ import annotations

from collections import Counter

import httpx
import jsonschema
import pytest

from source_pipedrive.streams import STREAMS_BY_NAME
from source_pipedrive.timeutil import parse_datetime
from tests.kit.cli import Cli, catalog_for, config_for
from tests.kit.schemas import validator

SECONDARY = (
    "notes", "files", "call_logs", "mail_threads", "activity_types", "currencies", "lead_labels", "lead_sources",
    "filters", "permission_sets", "roles", "deal_fields", "person_fields", "organization_fields", "product_fields",
    "lead_fields", "note_fields", "goals",
)
INCREMENTAL = ("notes", "files")
FIELD_LISTS = {"deal_fields": "/api/v2/dealFields", "person_fields": "/api/v2/personFields",
               "organization_fields": "/api/v2/organizationFields", "product_fields": "/api/v2/productFields",
               "lead_fields": "/v1/leadFields", "note_fields": "/v1/noteFields"}
FOLDERS = {"inbox", "drafts", "sent", "archive"}


def keys(run, stream: str) -> list:
    pk = STREAMS_BY_NAME[stream].primary_key
    return [r.get(pk) for r in run.records(stream)]


@pytest.fixture(scope="module")
def full_read(sandbox, tmp_path_factory):
    cli = Cli(tmp_path_factory.mktemp("secondary"))
    catalog = cli("discover", config_for(sandbox)).of("CATALOG")[0]["catalog"]
    sandbox.reset_stats()
    run = cli("read", config_for(sandbox), catalog_for(SECONDARY))
    assert run.code == 0, run.errors()
    return run, {s["name"]: s for s in catalog["streams"]}, sandbox.stats()


def test_every_secondary_stream_is_in_the_catalog_with_its_key_and_modes(full_read):
    _, catalog, _ = full_read
    for name in SECONDARY:
        entry = catalog[name]
        stream = STREAMS_BY_NAME[name]
        assert entry["source_defined_primary_key"] == [[stream.primary_key]]
        assert stream.primary_key in entry["json_schema"]["properties"]
        modes = ["full_refresh", "incremental"] if stream.incremental else ["full_refresh"]
        assert entry["supported_sync_modes"] == modes, name
        if stream.incremental:
            assert entry["default_cursor_field"] == [stream.cursor]
            assert stream.cursor in entry["json_schema"]["properties"]


@pytest.mark.parametrize("stream", [s for s in SECONDARY if s not in FIELD_LISTS])
def test_full_refresh_delivers_exactly_the_sandbox_truth(full_read, sandbox, stream):
    run, _, _ = full_read
    truth = sandbox.truth()["streams"][stream]
    assert set(keys(run, stream)) == set(truth["live"]) | set(truth.get("archived", []))


@pytest.mark.parametrize("stream", sorted(FIELD_LISTS))
def test_field_lists_deliver_every_field_the_endpoint_lists(full_read, sandbox, stream):
    run, _, _ = full_read
    path = FIELD_LISTS[stream]
    with httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.token}) as client:
        body = client.get(path, params={"limit": 500}).json()
    assert not (body.get("additional_data") or {}).get("next_cursor")  # one page holds them all here
    expected = [f[STREAMS_BY_NAME[stream].primary_key] for f in body["data"]]
    assert sorted(keys(run, stream)) == sorted(expected) and expected


def test_deal_fields_list_the_custom_fields_discover_types(full_read):
    """The same account metadata two ways: deal_fields records and the discovered deals schema."""
    run, catalog, _ = full_read
    custom = {r["field_code"] for r in run.records("deal_fields") if r["is_custom_field"]}
    assert custom and custom == set(catalog["deals"]["json_schema"]["properties"]["custom_fields"]["properties"])


@pytest.mark.parametrize("stream", SECONDARY)
def test_primary_keys_are_unique_and_never_null(full_read, stream):
    run, _, _ = full_read
    counts = Counter(keys(run, stream))
    assert counts, f"{stream} returned no records"
    assert None not in counts
    assert [k for k, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("stream", SECONDARY)
def test_every_record_validates_against_the_discovered_schema(full_read, stream):
    run, catalog, _ = full_read
    schema = catalog[stream]["json_schema"]
    checks = (jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()), validator(schema))
    for record in run.records(stream):
        for check in checks:
            errors = list(check.iter_errors(record))
            assert not errors, (stream, errors[0].message, list(errors[0].path))


def test_mail_threads_come_from_all_four_folders(full_read):
    run, _, stats = full_read
    folders = Counter(f for r in run.records("mail_threads") for f in r["folders"])
    assert set(folders) == FOLDERS
    assert stats["requests"]["GET /v1/mailbox/mailThreads"] >= 4


def test_small_page_limits_are_respected_and_followed(cli, make_sandbox):
    """callLogs allow 50 a page, files 100 ([SPEC-v1]); more records than a page means more requests.
    The small sandbox holds less than a page of each, so records are added until both need three pages."""
    sb = make_sandbox()
    more = {"files": {"name": "more.pdf"}, "call_logs": {"subject": "more calls", "user_id": 1}}  # the token user's
    for name, page in (("files", 100), ("call_logs", 50)):
        for _ in range(2 * page + 1 - len(sb.truth()["streams"][name]["live"])):
            sb.create(name, **more[name])
    sb.reset_stats()
    run = cli("read", config_for(sb), catalog_for(["files", "call_logs"]))
    assert run.code == 0, run.errors()
    stats, truth = sb.stats(), sb.truth()["streams"]
    for name, path, page in (("files", "GET /v1/files", 100), ("call_logs", "GET /v1/callLogs", 50)):
        assert len(truth[name]["live"]) > 2 * page
        assert sorted(run.ids(name)) == sorted(truth[name]["live"])
        assert stats["requests"][path] >= 3, f"{name}: {len(truth[name]['live'])} records in fewer than 3 pages"
    # Over-maximum limits would be 400s from the spec-true sandbox ([SPEC-v1] maximum 100 and 50).
    assert stats["status"].get("400", 0) == 0


def test_notes_and_files_increments_deliver_updates(cli, make_sandbox):
    sb = make_sandbox()
    catalog = catalog_for(INCREMENTAL, mode="incremental")
    first = cli("read", config_for(sb), catalog)
    assert first.code == 0, first.errors()
    sb.advance(3600)
    truth = sb.truth()["streams"]
    note_id, file_id = sorted(truth["notes"]["live"])[0], sorted(truth["files"]["live"])[0]
    sb.update("notes", note_id, content="x")
    sb.update("files", file_id, description="renamed")
    new_note = sb.create("notes", content="a new note")
    sb.reset_stats()
    second = cli("read", config_for(sb), catalog, first.final_state())
    assert second.code == 0, second.errors()
    notes = {r["id"]: r for r in second.records("notes")}
    assert notes[note_id]["content"] == "x" and new_note["id"] in notes
    assert {r["id"]: r for r in second.records("files")}[file_id]["description"] == "renamed"
    # An increment, not everything again; notes are filtered by the API (updated_since), files by us.
    assert len(notes) < len(first.records("notes")) and len(second.records("files")) < len(first.records("files"))
    cursor = max(parse_datetime(r["update_time"]) for r in first.records("files"))
    assert all(parse_datetime(r["update_time"]) >= cursor for r in second.records("files"))
    assert sum(n for k, n in sb.stats()["requests"].items() if "/v1/notes" in k) == 1
