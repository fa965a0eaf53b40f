"""Helpers shared by the test modules, one module per subject; fixtures live in the conftest.py files.

repo        paths of the repository's own files
cli         the connector's CLI in-process (Cli, Run), its inputs (config_for, catalog_for), and as a child
engine      around the HTTP engine: a Recorder of what a Client says, a scripted loopback server
sandbox     raw HTTP against the sandbox: the list-endpoint table, page walkers, time formats
schemas     Airbyte catalog lint, a strict format checker, custom-field samples, the official operation facts
faults      whole reads: until complete across transient stops, compared with the sandbox's truth
bad_inputs  the bad configs, catalogs and states tried against check, discover and read
warehouse   reading DuckDB tables back, config files and `sync` command lines, a scripted message source
pyairbyte   PyAirbyte in a virtualenv of its own and a runner for tests/e2e/pyairbyte_driver.py
"""
