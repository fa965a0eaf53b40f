"""Generate src/pipedrive_sandbox/spec/facts.json from Pipedrive's official OpenAPI files.

The OpenAPI files are reference data kept outside the repository; the sandbox and the tests need only
a few facts of each GET operation: its query parameters (type, enum, maximum, format, required), its
x-token-cost, where its pagination block sits and the shape of one record. This script extracts
those facts into a compact JSON file that ships with the project, so a fresh clone needs no file
outside the repo. Run it again when the official files change:

    python scripts/spec_facts.py PATH_TO_THE_OPENAPI_FOLDER   # holding v1.yaml and v2.yaml

Sources (docs/references.md): [SPEC-v1] https://developers.pipedrive.com/docs/api/v1/openapi.yaml,
[SPEC-v2] https://developers.pipedrive.com/docs/api/v1/openapi-v2.yaml.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parents[1] / "src" / "pipedrive_sandbox" / "spec" / "facts.json"
FILES = {"v1": "v1.yaml", "v2": "v2.yaml"}
MAX_DEPTH = 6


def _resolve(spec: dict, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        cur: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            cur = cur[part]
        node = cur
    return node


def simplify(spec: dict, node: Any, depth: int = 0) -> dict:
    """A JSON schema reduced to type, nullable, format, enum, properties and items; allOf merged."""
    node = _resolve(spec, node)
    if not isinstance(node, dict):
        return {}
    out: dict[str, Any] = {}
    for sub in node.get("allOf", []):
        merged = simplify(spec, sub, depth)
        props = {**out.get("properties", {}), **merged.get("properties", {})}
        out.update(merged)
        if props:
            out["properties"] = props
    for key in ("type", "format", "enum"):
        if key in node:
            out[key] = node[key]
    if node.get("nullable"):
        out["nullable"] = True
    if "oneOf" in node or "anyOf" in node:
        out.pop("type", None)  # several shapes: any value goes
        out["any_of"] = True
    if depth >= MAX_DEPTH:
        return out
    if isinstance(node.get("properties"), dict):
        props = dict(out.get("properties", {}))
        for key, val in node["properties"].items():
            props[key] = simplify(spec, val, depth + 1)
        out["properties"] = props
    if "items" in node:
        out["items"] = simplify(spec, node["items"], depth + 1)
    return out


def _param(spec: dict, raw: Any) -> dict:
    p = _resolve(spec, raw)
    schema = _resolve(spec, p.get("schema") or {})
    out: dict[str, Any] = {"name": p["name"], "in": p.get("in", "query")}
    if p.get("required"):
        out["required"] = True
    for key in ("type", "format", "enum", "maximum", "minimum", "default"):
        if key in schema:
            out[key] = schema[key]
    if "items" in schema:
        items = _resolve(spec, schema["items"])
        out["items"] = {k: items[k] for k in ("type", "enum", "format") if k in items}
    if schema.get("title") == "numberBoolean":
        out["number_boolean"] = True
    facts = described(p.get("description") or "")
    if out.get("type") != "integer":
        facts.pop("maximum", None)  # "a maximum of 15 keys" bounds a list, not a number
    out.update(facts)
    return out


def described(text: str) -> dict:
    """Facts the spec states only in a parameter's description, not in its schema."""
    text = " ".join(text.split())
    out: dict[str, Any] = {}
    cap = re.search(r"(?:maximum value of|upper limit is|maximum of) (\d+)(?! (?:deal )?ids)", text, re.I)
    if cap and "found" not in text:  # "the upper limit of found deals ... is 2000" caps results, not the value
        out["maximum"] = int(cap.group(1))
    ids = re.search(r"(?:up to|maximum of) (\d+) (?:entity |deal )?ids", text, re.I)
    if ids:
        out["max_items"] = int(ids.group(1))
    keys = re.search(r"maximum of (\d+) keys", text, re.I)
    if keys:
        out["max_items"] = int(keys.group(1))
    if re.search(r"comma[- ]separated|multiple selection|multiple statuses", text, re.I):
        out["list"] = True
    if "RFC3339" in text or "ISO 8601" in text:
        out["datetime"] = "rfc3339"
    elif "YYYY-MM-DD HH:MM:SS" in text:
        out["datetime"] = "v1"
    elif "YYYY-MM-DD" in text:
        out["datetime"] = "date"
    return out


def envelope(spec: dict, op: dict) -> dict:
    """Where the records and the pagination data sit in a 200 response."""
    ok = (op.get("responses") or {}).get("200") or {}
    schema = simplify(spec, ((ok.get("content") or {}).get("application/json") or {}).get("schema") or {})
    props = schema.get("properties") or {}
    data = props.get("data") or {}
    extra = (props.get("additional_data") or {}).get("properties") or {}
    if "next_cursor" in extra:
        paging = "cursor"
    elif "pagination" in extra:
        paging = "offset"
    elif "more_items_in_collection" in extra or "start" in extra:
        paging = "offset-flat"
    else:
        paging = "none"
    out: dict[str, Any] = {"paging": paging, "additional_data": sorted(extra)}
    if data.get("type") == "array":
        out["data"], out["item"] = "array", data.get("items") or {}
    elif data.get("type") == "object" or "properties" in data:
        inner = data.get("properties") or {}
        lists = [k for k, v in inner.items() if v.get("type") == "array"]
        if len(lists) == 1 and len(inner) == 1:  # data: {goals: [...]}
            out["data"], out["records_key"], out["item"] = "object", lists[0], inner[lists[0]].get("items") or {}
        else:
            out["data"], out["item"] = "object", data
    else:
        out["data"] = "none"
    return out


def examples(spec: dict, op: dict, keep: int = 2) -> list:
    """Up to `keep` example records of the 200 response, to check our schemas accept real shapes."""
    ok = (op.get("responses") or {}).get("200") or {}
    content = (ok.get("content") or {}).get("application/json") or {}
    example = content.get("example")
    if example is None:
        for named in (content.get("examples") or {}).values():
            example = _resolve(spec, named).get("value")
            break
    data = example.get("data") if isinstance(example, dict) else None
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list):
        data = next(iter(data.values()))  # data: {goals: [...]}
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)][:keep]
    return [data] if isinstance(data, dict) else []


def facts(folder: Path) -> dict:
    result: dict[str, Any] = {"generated_by": "scripts/spec_facts.py", "sources": {}, "operations": {}}
    for version, name in FILES.items():
        raw = (folder / name).read_bytes()
        spec = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        result["sources"][version] = {"file": name, "sha1": hashlib.sha1(raw).hexdigest(),
                                      "info_version": str(spec.get("info", {}).get("version"))}
        prefix = "/v1" if version == "v1" else "/api/v2"
        for path, item in sorted(spec["paths"].items()):
            shared = item.get("parameters") or []
            for method, op in sorted(item.items()):
                if method != "get":
                    continue
                params = [_param(spec, p) for p in [*shared, *(op.get("parameters") or [])]]
                result["operations"][f"GET {prefix}{path}"] = {
                    "cost": op.get("x-token-cost"),
                    "scopes": sorted({s for sec in op.get("security") or [] for v in sec.values() for s in v}),
                    "deprecated": bool(op.get("deprecated")),
                    "params": params,
                    **envelope(spec, op),
                    "examples": examples(spec, op),
                }
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python scripts/spec_facts.py PATH_TO_THE_OPENAPI_FOLDER (holding v1.yaml and v2.yaml)",
              file=sys.stderr)
        return 2
    folder = Path(argv[1])
    if not (folder / "v1.yaml").exists():
        print(f"spec_facts: no v1.yaml in {folder}; pass the folder of the official OpenAPI files", file=sys.stderr)
        return 2
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(facts(folder), indent=0, sort_keys=True, separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
