"""README facts that code can check: the commands and options it shows exist.

(The stream table is generated from STREAMS and checked by tests/project/test_docs.py.)
"""

from __future__ import annotations

import re

from source_pipedrive.cli import build_parser
from tests.kit.repo import REPO_ROOT


def subcommands() -> dict:
    return build_parser()._subparsers._group_actions[0].choices


def test_readme_commands_exist():
    readme = (REPO_ROOT / "README.md").read_text()
    found = re.findall(r"(?m)^\s*source-pipedrive ([a-z][a-z-]*)|`source-pipedrive ([a-z][a-z-]*)", readme)
    commands = {a or b for a, b in found}
    assert commands and commands <= set(subcommands()), commands - set(subcommands())
    makefile = (REPO_ROOT / "Makefile").read_text()
    for target in re.findall(r"^make (\w[\w-]*)", readme, re.M):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_readme_documents_every_sync_option():
    readme = (REPO_ROOT / "README.md").read_text()
    options = {o for a in subcommands()["sync"]._actions for o in a.option_strings if o.startswith("--")}
    for option in options - {"--help"}:
        assert option in readme, option
