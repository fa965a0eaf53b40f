"""Generate the README's stream table from STREAMS, so the docs cannot drift from the code.

    python -m source_pipedrive.docs            # print the table
    python -m source_pipedrive.docs --write    # refresh it in README.md, between the markers
"""

from __future__ import annotations

import sys
from pathlib import Path

from .children import cost_class
from .http.pagination import Paging
from .streams import STREAMS, Stream

BEGIN, END = "<!-- streams:begin -->", "<!-- streams:end -->"
PAGING = {
    Paging.CURSOR: "cursor",
    Paging.OFFSET: "offset",
    Paging.KEYSET: "offset, re-anchored on updated_since",
    Paging.NONE: "one response",
}


def _endpoints(stream: Stream) -> str:
    parts = stream.parts(incremental=True)
    out = []
    for part in parts:
        params = "&".join(f"{k}={v}" for k, v in part.params if k != "include_fields")
        label = f"`{part.path}{'?' + params if params else ''}`"
        out.append(label + (" (incremental only)" if part.incremental_only else ""))
    parent = stream.parent
    if parent and parent.in_path:
        out[0] = f"`{stream.path}` per `{parent.stream}` record"
    elif parent:
        per = f"up to {parent.batch} `{parent.stream}` ids a request" if parent.batch > 1 else \
            f"once per `{parent.stream}` record"
        out[0] = f"`{stream.path}?{parent.param}=`, {per}"
    if stream.recents_item:
        out.append(f"`/v1/recents?items={stream.recents_item}` (increments within 30 days)")
    return "<br>".join(out)


def _cost(stream: Stream) -> str:
    """The cost class, and for a child the parent's changes an incremental read follows."""
    text = cost_class(stream)
    if stream.optional:
        text += " (opt-in for `sync`)"
    return text


def _key(stream: Stream) -> str:
    key = f"`{stream.primary_key}`"
    if stream.parent and stream.parent.key_from:
        key += f" = {':'.join(stream.parent.key_from)} (synthesized)"
    if stream.parent and stream.parent.stamp:
        key += f"; `{stream.parent.stamp}` added"
    return key


def stream_table() -> str:
    rows = [
        "| stream | endpoints | cost | paging | sync modes | cursor | primary key |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in STREAMS:
        modes = "full refresh, incremental" if s.incremental else "full refresh"
        cursor = f"`{s.cursor}`" + ("" if s.since_param else " (filtered on our side)") if s.cursor else "—"
        if s.parent and s.cursor:
            cursor = f"`{s.cursor}`; follows `{s.parent.stream}` changes"
        paging = PAGING[s.paging] if s.paging is Paging.NONE else f"{PAGING[s.paging]}, {s.page_size}/page"
        rows.append(f"| `{s.name}` | {_endpoints(s)} | {_cost(s)} | {paging} | {modes} | {cursor} | {_key(s)} |")
    return "\n".join(rows)


def refresh(readme: Path) -> bool:
    """Rewrite the table between the markers; True when the file changed."""
    text = readme.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + stream_table() + "\n" + text[end:]
    if new != text:
        readme.write_text(new)
    return new != text


if __name__ == "__main__":
    if "--write" in sys.argv:
        print("README.md updated" if refresh(Path("README.md")) else "README.md already up to date")
    else:
        print(stream_table())
