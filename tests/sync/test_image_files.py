"""The Dockerfile and metadata.yaml follow Airbyte's conventions (no Docker engine runs here)."""

from __future__ import annotations

import json
import re
import shlex
import uuid

import pytest
import yaml

from source_pipedrive.config import SPEC
from source_pipedrive.streams import STREAMS

from .helpers import REPO


def project_version() -> str:
    return re.search(r'(?m)^version\s*=\s*"([^"]+)"', (REPO / "pyproject.toml").read_text()).group(1)


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, list[str]]:
    """Instruction -> arguments, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.setdefault(word.upper(), []).append(rest.strip())
    return out


@pytest.fixture(scope="module")
def metadata() -> dict:
    return yaml.safe_load((REPO / "metadata.yaml").read_text())["data"]


def labels(dockerfile: dict[str, list[str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for args in dockerfile.get("LABEL", []):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            found[key] = value
    return found


def test_image_is_a_slim_python_with_the_package_pip_installed(dockerfile):
    assert len(dockerfile["FROM"]) == 1 and re.fullmatch(r"python:3\.\d+-slim(-\w+)?", dockerfile["FROM"][0])
    assert any(re.search(r"\bpip install\b.*\s\.(\s|$)", run) for run in dockerfile["RUN"])
    copied = " ".join(dockerfile["COPY"])
    assert "pyproject.toml" in copied and "src" in copied and "README.md" in copied  # pip install . needs all three


def test_airbyte_entrypoint_env_equals_the_entrypoint(dockerfile):
    entrypoint = json.loads(dockerfile["ENTRYPOINT"][-1])
    env = dict(shlex.split(e)[0].split("=", 1) for e in dockerfile["ENV"] if "=" in e)
    assert env["AIRBYTE_ENTRYPOINT"] == " ".join(entrypoint) == "source-pipedrive"
    scripts = re.search(r"(?ms)^\[project\.scripts\]\s*(.*?)^\[", (REPO / "pyproject.toml").read_text()).group(1)
    assert re.search(r'(?m)^source-pipedrive\s*=', scripts)  # the console script the entrypoint runs


def test_labels_name_and_version_match_metadata_and_package(dockerfile, metadata):
    found = labels(dockerfile)
    assert found["io.airbyte.name"] == metadata["dockerRepository"]
    assert found["io.airbyte.version"] == metadata["dockerImageTag"] == project_version()


def test_metadata_has_airbytes_required_fields(metadata):
    assert metadata["connectorType"] == "source" and metadata["connectorSubtype"] == "api"
    assert metadata["license"] == "MIT" and metadata["name"]
    assert str(uuid.UUID(metadata["definitionId"])) == metadata["definitionId"]
    assert metadata["releaseStage"] in ("alpha", "beta", "generally_available", "custom")
    assert metadata["supportLevel"] in ("community", "certified", "archived")
    assert metadata["documentationUrl"] == SPEC["documentationUrl"]
    assert set(metadata["allowedHosts"]["hosts"]) == {"api.pipedrive.com", "*.pipedrive.com", "oauth.pipedrive.com"}


def test_suggested_streams_exist(metadata):
    names = {s.name for s in STREAMS}
    suggested = metadata["suggestedStreams"]["streams"]
    assert suggested and set(suggested) <= names


def test_allowed_hosts_cover_the_default_and_oauth_urls(metadata):
    from source_pipedrive.config import DEFAULT_BASE_URL, OAUTH_TOKEN_URL

    hosts = metadata["allowedHosts"]["hosts"]
    for url in (DEFAULT_BASE_URL, OAUTH_TOKEN_URL, "https://acme.pipedrive.com"):
        host = re.match(r"https://([^/]+)", url).group(1)
        assert any(h == host or (h.startswith("*.") and host.endswith(h[1:])) for h in hosts), host
