"""Runs source-pipedrive through PyAirbyte; executed by the PyAirbyte venv's python, not by pytest.

    python pyairbyte_driver.py REQUEST.json RESULT.json

REQUEST is {"executable": "/path/to/source-pipedrive", "ops": [...]}; each op is one of
  {"op": "check", "config": {...}}                      validate_config() against our spec, then check()
  {"op": "read", "config": {...}, "cache_dir": "...", "cache_name": "..."}
                                                        check(), select_all_streams(), read() with PyAirbyte's
                                                        defaults into a DuckDB cache, then dump the cache tables
  {"op": "get_records", "config": {...}, "stream": "goals"}
RESULT gets {"airbyte_version": ..., "ops": [...]}, rewritten after every op, so a crash keeps what ran.
Each op result has "ok", the "phase" it reached, and on failure "error" (type, message, connector log
tail). This file imports only PyAirbyte and the standard library: it runs outside the project's venv.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import traceback
from importlib.metadata import version
from pathlib import Path
from typing import Any

import airbyte as ab

CONTEXT_KEYS_LEFT_OUT = ("error_schema", "error_instance")  # the whole spec, and the config with its secrets


def _connector_errors(log: str) -> list[str]:
    """The messages of the connector's TRACE errors, which PyAirbyte leaves in the connector's log file."""
    found = []
    for line in log.splitlines():
        at = line.find('{"type":"TRACE"')
        if at < 0:
            continue
        try:
            trace = json.loads(line[at:])["trace"]
        except (ValueError, KeyError):
            continue
        if trace.get("type") == "ERROR":
            found.append(trace["error"].get("message", ""))
    return found


def _error(ex: BaseException) -> dict[str, Any]:
    """What went wrong, as PyAirbyte tells it: its short message, the context it carries, and from the
    connector's log file (which PyAirbyte only names) the connector's own error messages and log tail."""
    chain = []
    cur: BaseException | None = ex
    while cur is not None and len(chain) < 5:
        chain.append(f"{type(cur).__name__}: {str(cur)[:500]}")
        cur = cur.__cause__ or cur.__context__
    log = getattr(ex, "log_text", None) or ""
    if isinstance(log, list):
        log = "\n".join(map(str, log))
    log_file = getattr(ex, "log_file", None)
    if log_file and Path(log_file).exists():
        log = Path(log_file).read_text(errors="replace")
    context = getattr(ex, "context", None)
    get_message = getattr(ex, "get_message", None)
    return {
        "type": type(ex).__name__,
        "message": get_message() if callable(get_message) else str(ex),
        "context": {k: str(v) for k, v in context.items() if k not in CONTEXT_KEYS_LEFT_OUT}
        if isinstance(context, dict) else None,
        "connector_errors": _connector_errors(log),
        "log_tail": "\n".join(log.splitlines()[-15:])[-3000:],
        "log_file": str(log_file) if log_file else None,
        "chain": chain,
        "traceback": traceback.format_exc()[-4000:],
    }


def _source(executable: str, config: dict) -> Any:
    return ab.get_source("source-pipedrive", config=config, local_executable=executable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _plain(obj: Any) -> Any:
    """A protocol model (pydantic or dataclass, depending on the PyAirbyte version) as plain data."""
    if obj is None or isinstance(obj, (dict, list, str, int, float, bool)):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    return vars(obj) if hasattr(obj, "__dict__") else str(obj)


def _dump_cache(cache: Any) -> dict[str, Any]:
    """Every stream table in the cache, read back with SQL: {stream: {"table": ..., "rows": [...]}}."""
    out: dict[str, Any] = {}
    for name in sorted(cache.streams):
        table = cache.processor.get_sql_table_name(name)
        rows = cache.run_sql_query(f'SELECT * FROM "{cache.schema_name}"."{table}"')
        out[name] = {"table": table, "rows": [_jsonable(r) for r in rows]}
    return out


def _state(cache: Any, source_name: str) -> dict[str, Any]:
    provider = cache.get_state_provider(source_name=source_name, refresh=True)
    states = {}
    for artifact in provider.stream_state_artifacts:
        name = artifact.stream_descriptor.name
        states[name] = _jsonable(_plain(getattr(artifact, "stream_state", None)))
    return {"known_streams": sorted(provider.known_stream_names), "states": states}


def op_check(executable: str, req: dict, res: dict) -> None:
    res["phase"] = "get_source"
    source = _source(executable, req["config"])
    res["phase"] = "validate_config"
    source.validate_config()
    res["phase"] = "check"
    source.check()


def op_read(executable: str, req: dict, res: dict) -> None:
    res["phase"] = "get_source"
    source = _source(executable, req["config"])
    res["phase"] = "check"
    source.check()
    res["phase"] = "select_all_streams"
    source.select_all_streams()
    res["phase"] = "get_configured_catalog"
    configured = source.get_configured_catalog()
    res["sync_modes"] = {s.stream.name: s.sync_mode.value for s in configured.streams}
    res["supported_sync_modes"] = {
        s.stream.name: [m.value for m in s.stream.supported_sync_modes or []] for s in configured.streams
    }
    cache = ab.new_local_cache(cache_name=req["cache_name"], cache_dir=req["cache_dir"], cleanup=True)
    res["cache_path"] = str(getattr(cache, "db_path", ""))
    res["phase"] = "state_before"
    res["state_before"] = _state(cache, source.name)
    try:
        res["phase"] = "read"
        result = source.read(cache=cache)  # PyAirbyte's defaults: incremental, state from the cache, AUTO writes
        res["processed_records"] = result.processed_records
        tracker = getattr(result, "_progress_tracker", None)
        res["read_counts"] = dict(getattr(tracker, "stream_read_counts", {}) or {})
        res["result_streams"] = sorted(result.streams)
    finally:
        # Dump what the cache holds even when the read failed half-way: it shows how far it got.
        try:
            res["state_after"] = _state(cache, source.name)
            res["cache"] = _dump_cache(cache)
        except Exception as ex:  # noqa: BLE001  # a dump problem must not hide the read's own error
            res["dump_error"] = _error(ex)
    res["phase"] = "done"


def op_get_records(executable: str, req: dict, res: dict) -> None:
    res["phase"] = "get_source"
    source = _source(executable, req["config"])
    res["phase"] = "get_records"
    # Keep the dataset referenced while iterating: PyAirbyte's LazyDataset stops the connector when it
    # is garbage-collected, so `for r in source.get_records(...)` alone can end with no records at all.
    dataset = source.get_records(req["stream"])
    records = [_jsonable(dict(r)) for r in dataset]
    dataset.close()
    res["records"] = records


OPS = {"check": op_check, "read": op_read, "get_records": op_get_records}


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[1]).read_text())
    out_path = Path(argv[2])
    results: dict[str, Any] = {"airbyte_version": version("airbyte"), "ops": []}
    for req in request["ops"]:
        res: dict[str, Any] = {"op": req["op"], "ok": False, "phase": "start"}
        results["ops"].append(res)
        try:
            OPS[req["op"]](request["executable"], req, res)
            res["ok"] = True
        except Exception as ex:  # noqa: BLE001  # every failure is reported to the test, which judges it
            res["error"] = _error(ex)
        out_path.write_text(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
