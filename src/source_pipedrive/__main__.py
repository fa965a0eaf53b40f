"""`python -m source_pipedrive` runs the CLI."""

from .cli import run

run()
