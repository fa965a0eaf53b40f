"""Bad configs, catalogs and states through the CLI: one clear config_error, a non-zero exit, no traceback, no traffic."""

from __future__ import annotations

import pytest

from tests.faults import badinputs
from tests.faults.badinputs import BAD_CATALOGS, BAD_CONFIGS, BAD_STATES, Bad, cfg, cli_inputs
from tests.source.conftest import Cli, Run, catalog_for

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
    assert badinputs.TOKEN not in error["message"] and badinputs.CLIENT_SECRET not in error["message"]


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
        assert badinputs.TOKEN not in status["message"]
    else:
        assert_one_config_error(run, bad)


@pytest.mark.parametrize("bad", BAD_CATALOGS + BAD_STATES, ids=lambda b: b.id)
def test_bad_catalog_or_state_is_one_config_error(cli, bad):
    run = _run(cli, "read", bad)
    assert_one_config_error(run, bad)
    assert not run.of("STATE"), "no state may be emitted for a read that never started"


def test_missing_input_files_are_config_errors(cli, tmp_path):
    from source_pipedrive.cli import main
    import io
    import orjson

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


def test_bad_input_count_is_reported(capsys):
    n = badinputs.count() + 3  # + the missing-file cases
    with capsys.disabled():
        print(f"\n[faults] bad inputs tried: {n} ({len(BAD_CONFIGS)} configs x check/discover/read, "
              f"{len(BAD_CATALOGS)} catalogs, {len(BAD_STATES)} states, 3 missing files)")
    assert n >= 100
