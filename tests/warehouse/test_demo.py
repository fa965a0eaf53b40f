"""`source-pipedrive demo` runs end to end in an empty directory."""

from __future__ import annotations

import subprocess

import duckdb

from source_pipedrive.cli.demo import QUESTIONS
from tests.kit.cli import cli_command
from tests.kit.warehouse import user_tables


def test_demo_syncs_the_sandbox_and_answers_the_questions(tmp_path):
    proc = subprocess.run(cli_command() + ["demo"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    db = tmp_path / "pipedrive-demo.duckdb"
    assert "deals" in user_tables(db) and "activities" in user_tables(db)
    for title, _ in QUESTIONS:
        assert title in proc.stdout, title
    assert "second sync" in proc.stdout and "source-pipedrive sync --config config.json" in proc.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        # The demo's mid-way changes arrived through the incremental second sync.
        assert con.execute("SELECT count(*) FROM deals WHERE title = 'Demo deal created after the first sync'"
                           ).fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM _syncs WHERE status = 'succeeded'").fetchone() == (2,)
        for title, sql in QUESTIONS:
            assert con.execute(sql).fetchall(), f"no answer to {title!r}"
    assert "error" not in proc.stderr.lower()
