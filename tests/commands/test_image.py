"""The connector image: built with podman from ./Dockerfile, then spec, check, discover and read run from
the container against a sandbox on the host network (scripts/image.sh, `make image-test`)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.kit.commands import REPO


@pytest.mark.long
def test_the_image_builds_and_speaks_the_protocol(tmp_path):
    if shutil.which("podman") is None and (os.geteuid() != 0 or shutil.which("apt-get") is None):
        pytest.skip("podman is not installed and cannot be installed here (needs root and apt-get)")
    done = subprocess.run(["bash", str(REPO / "scripts" / "image.sh"), "test"], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "WORK": str(tmp_path), "IMAGE": "source-pipedrive:test"})
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert "ran spec, check, discover and read" in done.stderr
    assert "read: " in done.stdout and " records of 3 streams" in done.stdout
