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
from tests.kit.repo import REPO_ROOT


def project_version() -> str:
    return re.search(r'(?m)^version\s*=\s*"([^"]+)"', (REPO_ROOT / "pyproject.toml").read_text()).group(1)


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, list[str]]:
    """Instruction -> arguments, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (REPO_ROOT / "Dockerfile").read_text())
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.setdefault(word.upper(), []).append(rest.strip())
    return out


@pytest.fixture(scope="module")
def metadata() -> dict:
    return yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text())["data"]


def labels(dockerfile: dict[str, list[str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for args in dockerfile.get("LABEL", []):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            found[key] = value
    return found


def test_image_is_a_slim_python_pinned_to_an_exact_version_with_its_digest(dockerfile):
    assert len(dockerfile["FROM"]) == 1
    base = dockerfile["FROM"][0]
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-(bookworm|trixie)", base), base  # not a moving tag
    raw = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"(?m)^#.*\n#\s+sha256:[0-9a-f]{64}\s*$", raw) and base in raw.split("FROM", 1)[0]


def test_image_installs_the_core_package_only_and_runs_as_non_root(dockerfile):
    runs = " ".join(dockerfile["RUN"])
    assert re.search(r"\bpip install\b[^&]*\s\.(\s|$)", runs), runs  # `pip install .`: no extras
    assert "[sync]" not in runs and "[test" not in runs
    copied = " ".join(dockerfile["COPY"])
    assert "pyproject.toml" in copied and "src" in copied and "README.md" in copied  # pip install . needs all three
    user = dockerfile["USER"][-1]
    assert user not in ("root", "0") and re.search(rf"useradd .*\b{user}\b", runs)
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*")] == "*" and {"!pyproject.toml", "!README.md", "!src/"} <= set(ignored)


def test_airbyte_entrypoint_env_equals_the_entrypoint(dockerfile):
    entrypoint = json.loads(dockerfile["ENTRYPOINT"][-1])
    env = dict(shlex.split(e)[0].split("=", 1) for e in dockerfile["ENV"] if "=" in e)
    assert env["AIRBYTE_ENTRYPOINT"] == " ".join(entrypoint) == "source-pipedrive"
    scripts = re.search(r"(?ms)^\[project\.scripts\]\s*(.*?)^\[", (REPO_ROOT / "pyproject.toml").read_text()).group(1)
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
    assert metadata["githubIssueLabel"] == "source-pipedrive"


def test_metadata_has_the_registry_fields(metadata):
    assert re.fullmatch(r"docker\.io/airbyte/python-connector-base:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}",
                        metadata["connectorBuildOptions"]["baseImage"])
    assert set(metadata["registryOverrides"]) == {"cloud", "oss"}
    assert all(isinstance(v["enabled"], bool) for v in metadata["registryOverrides"].values())
    assert metadata["remoteRegistries"]["pypi"]["packageName"] == "source-pipedrive"
    assert {"language:python", "cdk:none"} <= set(metadata["tags"])
    internal = metadata["ab_internal"]
    assert set(internal) == {"ql", "sl"} and all(isinstance(v, int) for v in internal.values())
    assert yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text())["metadataSpecVersion"] == "1.0"


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
