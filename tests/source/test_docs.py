"""The README's stream table is generated from STREAMS and must be current."""

from __future__ import annotations

from pathlib import Path

from source_pipedrive.docs import BEGIN, END, stream_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_stream_table_is_generated_from_the_stream_table():
    text = README.read_text()
    assert BEGIN in text and END in text, "README.md lacks the stream-table markers"
    current = text[text.index(BEGIN) + len(BEGIN): text.index(END)].strip()
    assert current == stream_table(), "README stream table is stale: run python -m source_pipedrive.docs --write"
