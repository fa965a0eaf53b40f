"""Generate the README's stream table from STREAMS, so the docs cannot drift from the code.

    python -m source_pipedrive.docs            # print the table
    python -m source_pipedrive.docs --write    # refresh it in README.md, between the markers
"""

from __future__ import annotations

import sys
from pathlib import Path

from .http.pagination import Paging
from .streams import STREAMS, Stream

BEGIN, END = "<!-- streams:begin -->", "<!-- streams:end -->"
PAGING = {
    Paging.CURSOR: "cursor (v2)",
    Paging.OFFSET: "offset (v1)",
    Paging.KEYSET: "offset (v1), re-anchored on updated_since",
    Paging.NONE: "one response",
}


def _endpoints(stream: Stream) -> str:
    parts = stream.parts(incremental=True)
    out = []
    for part in parts:
        params = "&".join(f"{k}={v}" for k, v in part.params if k != "include_fields")
        label = f"`{part.path}{'?' + params if params else ''}`"
        out.append(label + (" (incremental only)" if part.incremental_only else ""))
    if stream.parent:
        out[0] = f"`{stream.path}?{stream.parent.param}=` once per `{stream.parent.stream}` record"
    if stream.recents_item:
        out.append(f"`/v1/recents?items={stream.recents_item}` (increments within 30 days)")
    return "<br>".join(out)


def stream_table() -> str:
    rows = [
        "| stream | endpoints | paging | sync modes | cursor | primary key |",
        "|---|---|---|---|---|---|",
    ]
    for s in STREAMS:
        modes = "full refresh, incremental" if s.incremental else "full refresh"
        cursor = f"`{s.cursor}`" + ("" if s.since_param else " (filtered on our side)") if s.cursor else "—"
        paging = PAGING[s.paging] if s.paging is Paging.NONE else f"{PAGING[s.paging]}, {s.page_size}/page"
        rows.append(f"| `{s.name}` | {_endpoints(s)} | {paging} | {modes} | {cursor} | `{s.primary_key}` |")
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
