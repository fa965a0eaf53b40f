"""The docs are generated where they can be, and every reference in them resolves inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from source_pipedrive.docs import BEGIN, END, stream_table
from tests.kit.repo import README, REPO_ROOT


def test_readme_stream_table_is_generated_from_the_stream_table():
    text = README.read_text()
    assert BEGIN in text and END in text, "README.md lacks the stream-table markers"
    current = text[text.index(BEGIN) + len(BEGIN): text.index(END)].strip()
    assert current == stream_table(), "README stream table is stale: run python -m source_pipedrive.docs --write"


ROOT = REPO_ROOT
TAG = re.compile(r"\[((?:SPEC|RD|CL|GH|OLD|AB|PEER|PYAIRBYTE|NODE|TAP|DLT|WORKATO|MAKE|INNOVATY)(?:-[A-Za-z0-9]+)+)\]")
OUTSIDE = re.compile(r"\.\./shared|coord/|project notes|pipedrive-api\.md|peers\.md|airbyte-protocol\.md")


def _texts():
    for folder in ("src", "tests", "docs", "bench", "scripts"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".md", ".toml", ".yaml", ".cfg") and ".pyairbyte" not in str(path):
                yield path
    yield README


def test_every_source_tag_resolves_in_the_references():
    defined = set(TAG.findall((ROOT / "docs" / "references.md").read_text()))
    used = {(tag, path.relative_to(ROOT)) for path in _texts() for tag in TAG.findall(path.read_text())}
    missing = sorted({(tag, str(path)) for tag, path in used if tag not in defined})
    assert not missing, f"tags with no entry in docs/references.md: {missing[:10]}"


def test_nothing_points_outside_the_repository():
    me = Path(__file__).resolve()
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in _texts() if path.resolve() != me
             for m in OUTSIDE.finditer(path.read_text())]
    assert not found, found[:10]
