"""Run Airbyte's airbyte-source-pipedrive (installed in its own venv) against another base URL.

    cd RUN_DIR && <peer venv>/bin/python airbyte_run.py BASE_URL read --config C --catalog K [--state S]

The connector is low-code: the manifest.yaml installed with its package hard-codes
`url_base: "https://api.pipedrive.com/v1"`. Its CDK (YamlDeclarativeSource) loads `manifest.yaml` from the
working directory when there is one, before the packaged copy. This wrapper writes a copy of the installed
manifest into the working directory (the bench runs each read in its own temporary folder) with that one
line changed to BASE_URL + "/v1", then runs the connector's own entry point. The installed files are not
changed, so concurrent runs against different sandboxes cannot mix.
"""

import importlib.util
import sys
from pathlib import Path

ORIGINAL = 'url_base: "https://api.pipedrive.com/v1"'


def main() -> None:
    base_url, args = sys.argv[1].rstrip("/"), sys.argv[2:]
    spec = importlib.util.find_spec("source_pipedrive")
    assert spec is not None and spec.origin is not None, "source_pipedrive is not installed in this venv"
    pkg = Path(spec.origin).parent
    # an earlier version of this wrapper edited the installed file, keeping the original beside it
    installed = pkg / "manifest.yaml.orig" if (pkg / "manifest.yaml.orig").exists() else pkg / "manifest.yaml"
    text = installed.read_text()
    if ORIGINAL not in text:
        raise SystemExit(f"airbyte_run: {ORIGINAL!r} not found in {installed}; cannot point it at {base_url}")
    Path("manifest.yaml").write_text(text.replace(ORIGINAL, f'url_base: "{base_url}/v1"'))
    sys.argv = ["source-pipedrive", *args]
    from source_pipedrive.run import run

    run()


if __name__ == "__main__":
    main()
