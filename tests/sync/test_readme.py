"""README facts that code can check: the stream table is STREAMS, the commands it shows exist."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from source_pipedrive.cli import build_parser
from source_pipedrive.streams import STREAMS

from .helpers import REPO


def stream_table() -> str:
    """The README's stream table, rendered from the STREAMS table (paste this when streams change)."""
    lines = ["| Stream | Endpoints | Sync modes | Cursor | Primary key |", "|---|---|---|---|---|"]
    for s in STREAMS:
        parts = []
        for part in s.parts(True):
            query = f"?{urlencode(dict(part.params))}" if part.params else ""
            note = " (incremental only)" if part.incremental_only else ""
            parts.append(f"`{part.path}{query}`{note}")
        if s.recents_item:
            parts.append(f"`/v1/recents?items={s.recents_item}` (changes of the last 30 days)")
        modes = "full_refresh, incremental" if s.incremental else "full_refresh"
        lines.append(f"| {s.name} | {', '.join(parts)} | {modes} | {s.cursor or '—'} | {s.primary_key} |")
    return "\n".join(lines)


def test_readme_stream_table_is_the_streams_table():
    readme = (REPO / "README.md").read_text()
    assert stream_table() in readme, "README stream table is stale; paste tests/sync/test_readme.py:stream_table()"


def test_readme_commands_exist():
    readme = (REPO / "README.md").read_text()
    found = re.findall(r"(?m)^\s*source-pipedrive ([a-z][a-z-]*)|`source-pipedrive ([a-z][a-z-]*)", readme)
    commands = {a or b for a, b in found}
    known = set(build_parser()._subparsers._group_actions[0].choices)
    assert commands and commands <= known, commands - known
    makefile = (REPO / "Makefile").read_text()
    for target in re.findall(r"^make (\w[\w-]*)", readme, re.M):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_readme_sync_options_match_the_cli():
    readme = (REPO / "README.md").read_text()
    sync = build_parser()._subparsers._group_actions[0].choices["sync"]
    options = {o for a in sync._actions for o in a.option_strings if o.startswith("--")} - {"--help"}
    for option in options:
        assert option in readme, option
