"""spec, check and discover against Airbyte's acceptance rules ([AB-CAT], [AB-PROTO])."""

from __future__ import annotations

import jsonschema
import pytest

from source_pipedrive.streams import STREAMS
from tests.kit.cli import config_for

SECRET_NAMES = {"token", "api_token", "access_token", "password", "secret", "client_secret", "key",
                "credentials", "refresh_token", "client_id"}
FORBIDDEN = {"not", "anyOf", "patternProperties", "prefixItems", "allOf", "if", "then", "else",
             "dependentSchemas", "dependentRequired", "$ref"}


def walk(schema, path=()):
    if isinstance(schema, dict):
        yield path, schema
        for key, value in schema.items():
            yield from walk(value, path + (key,))
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from walk(value, path + (i,))


def test_spec_passes_the_acceptance_lint(cli):
    run = cli("spec")
    assert run.code == 0 and [m["type"] for m in run.messages] == ["SPEC"]
    spec = run.messages[0]["spec"]["connectionSpecification"]
    jsonschema.Draft7Validator.check_schema(spec)
    for path, node in walk(spec):
        assert not (FORBIDDEN & set(node)) or path[-1:] == ("properties",), path
        assert node.get("additionalProperties", True) is not False, path
        kind = node.get("type")
        if isinstance(kind, list):
            assert len(kind) == 2 and "null" in kind, path
        if (path and path[-2:-1] == ("properties",) and path[-1] in SECRET_NAMES
                and kind in ("string", "integer", "number")):
            assert node.get("airbyte_secret") is True, f"{path} holds a secret but is not airbyte_secret"
    one_of = spec["properties"]["credentials"]["oneOf"]
    consts = [variant["properties"]["auth_type"]["const"] for variant in one_of]
    assert sorted(consts) == ["api_token", "oauth2"]
    for variant in one_of:
        assert variant["type"] == "object" and variant["properties"]


@pytest.mark.parametrize("config", [
    {"credentials": {"auth_type": "api_token", "api_token": "x"}},
    {"credentials": {"auth_type": "oauth2", "client_id": "a", "client_secret": "b", "refresh_token": "c"}},
    {"credentials": {"auth_type": "api_token", "api_token": "x"}, "start_date": "2023-01-01T00:00:00Z",
     "base_url": "https://acme.pipedrive.com", "num_workers": 2},
])
def test_valid_configs_validate_against_the_spec(cli, config):
    spec = cli("spec").messages[0]["spec"]["connectionSpecification"]
    jsonschema.validate(config, spec)


def test_check_succeeds_with_the_sandbox_token(cli, sandbox):
    run = cli("check", config_for(sandbox))
    assert run.code == 0
    (status,) = run.of("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "SUCCEEDED"


def test_check_with_a_bad_token_fails_clearly_without_echoing_it(cli, sandbox):
    token = "bad-token-3f9c1e7a5b"
    run = cli("check", {"credentials": {"auth_type": "api_token", "api_token": token}, "base_url": sandbox.url})
    assert run.code == 0
    (status,) = run.of("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "FAILED"
    assert "rejected" in status["connectionStatus"]["message"]
    assert token.encode() not in run.raw


@pytest.mark.parametrize("legacy", [
    lambda sb: {"api_token": sb.token, "replication_start_date": "2017-01-25T00:00:00Z", "base_url": sb.url},
    lambda sb: {"authorization": {"auth_type": "Token", "api_token": sb.token}, "base_url": sb.url},
])
def test_configs_written_for_airbytes_connector_are_accepted(cli, sandbox, legacy):
    run = cli("check", legacy(sandbox))
    assert run.of("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"


def test_discover_catalog_follows_the_acceptance_rules(cli, sandbox):
    run = cli("discover", config_for(sandbox))
    assert run.code == 0
    (catalog,) = run.of("CATALOG")
    streams = catalog["catalog"]["streams"]
    names = [s["name"] for s in streams]
    assert len(names) == len(set(names)) and set(names) == {s.name for s in STREAMS}
    for entry in streams:
        schema = entry["json_schema"]
        jsonschema.Draft7Validator.check_schema(schema)
        for path, node in walk(schema):
            if path[-1:] != ("properties",):
                assert not (FORBIDDEN & set(node)), (entry["name"], path)
            assert node.get("additionalProperties", True) is not False
        assert entry["supported_sync_modes"]
        for key_path in entry["source_defined_primary_key"]:
            prop = schema["properties"][key_path[0]]
            assert prop["type"] not in ("object", "array") and "null" not in prop["type"]
        if "incremental" in entry["supported_sync_modes"]:
            assert entry["source_defined_cursor"] is True
            assert entry["default_cursor_field"][0] in schema["properties"]


def test_discover_types_custom_fields_with_their_human_names(cli, sandbox):
    catalog = cli("discover", config_for(sandbox)).of("CATALOG")[0]["catalog"]
    deals = next(s for s in catalog["streams"] if s["name"] == "deals")["json_schema"]
    custom = deals["properties"]["custom_fields"]["properties"]
    assert custom, "deal custom fields missing from the schema"
    for key, prop in custom.items():
        assert len(key) == 40 and all(c in "0123456789abcdef" for c in key)
        assert prop.get("title"), f"custom field {key} has no human name"
    leads = next(s for s in catalog["streams"] if s["name"] == "leads")["json_schema"]
    assert any(len(k) == 40 for k in leads["properties"]), "lead custom fields (inherited from deals) missing"


def test_a_migrated_airbyte_config_is_handed_back_to_the_platform(cli, sandbox):
    legacy = {"api_token": sandbox.token, "replication_start_date": "2017-01-25T00:00:00Z", "base_url": sandbox.url}
    from tests.kit.cli import catalog_for
    run = cli("read", legacy, catalog_for(["stages"]))
    assert run.code == 0, run.errors()
    (control,) = run.of("CONTROL")
    migrated = control["control"]["connectorConfig"]["config"]
    assert migrated["credentials"] == {"auth_type": "api_token", "api_token": sandbox.token}
    assert migrated["start_date"] == "2017-01-25T00:00:00Z" and "replication_start_date" not in migrated
    assert run.records("stages")
    current = cli("read", migrated, catalog_for(["stages"]))
    assert not current.of("CONTROL")
