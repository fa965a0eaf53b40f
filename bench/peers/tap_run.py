"""Run Singer's tap-pipedrive (installed in its own venv) against another base URL.

    <peer venv>/bin/python tap_run.py BASE_URL --config C [--catalog K] [--state S] [--discover]

tap-pipedrive builds every URL as "{BASE_URL}/{api_version}/{endpoint}" from the constant
`tap_pipedrive.config.BASE_URL`, imported by name into `tap_pipedrive.tap`. This wrapper sets that
name (in both modules) to BASE_URL at run time, then runs the tap's own main(). Nothing on disk changes.
"""
import sys


def main() -> None:
    base_url, args = sys.argv[1].rstrip("/"), sys.argv[2:]
    import tap_pipedrive.config
    import tap_pipedrive.tap
    tap_pipedrive.config.BASE_URL = base_url
    tap_pipedrive.tap.BASE_URL = base_url
    sys.argv = ["tap-pipedrive", *args]
    from tap_pipedrive.cli import main as tap_main
    tap_main()


if __name__ == "__main__":
    main()
