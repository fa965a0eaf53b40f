"""Config parsing and Pipedrive's datetime formats, including property-based cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from source_pipedrive.config import parse_config
from source_pipedrive.errors import ConfigError
from source_pipedrive.timeutil import format_rfc3339, format_v1, parse_datetime

TOKEN = {"auth_type": "api_token", "api_token": "tok-123"}
instants = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1), timezones=st.just(timezone.utc))


@given(instants)
def test_every_pipedrive_datetime_format_parses_to_the_same_instant(moment):
    whole = moment.replace(microsecond=0)
    assert parse_datetime(format_v1(moment)) == whole  # v1 "YYYY-MM-DD HH:MM:SS", UTC
    assert parse_datetime(whole.strftime("%Y-%m-%dT%H:%M:%SZ")) == whole  # RFC 3339
    assert parse_datetime(format_rfc3339(moment)) == moment  # with fractions
    ms = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parse_datetime(ms.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms.microsecond // 1000:03d}Z") == ms  # leads
    assert parse_datetime(whole.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()) == whole


@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes_the_datetime_parser(text):
    result = parse_datetime(text)
    assert result is None or result.tzinfo is not None


def test_same_second_values_compare_as_instants_not_strings():
    assert parse_datetime("2024-01-01T10:00:00.000000Z") == parse_datetime("2024-01-01T10:00:00Z")
    assert parse_datetime("2024-01-01 10:00:00") == parse_datetime("2024-01-01T10:00:00+00:00")
    assert parse_datetime("0000-00-00 00:00:00") is None
    assert parse_datetime("2024-01-01T10:00:00.5Z") == datetime(2024, 1, 1, 10, 0, 0, 500000, timezone.utc)


@pytest.mark.parametrize("config, field", [
    ([], "JSON object"),
    ({}, "credentials"),
    ({"credentials": "token"}, "credentials"),
    ({"credentials": {"auth_type": "magic"}}, "credentials.auth_type"),
    ({"credentials": {"auth_type": "api_token", "api_token": ""}}, "credentials.api_token"),
    ({"credentials": {"auth_type": "api_token", "api_token": 42}}, "credentials.api_token"),
    ({"credentials": {"auth_type": "oauth2", "client_id": "a", "client_secret": "b"}}, "credentials.refresh_token"),
    ({"credentials": TOKEN, "start_date": "yesterday"}, "start_date"),
    ({"credentials": TOKEN, "start_date": 20230101}, "start_date"),
    ({"credentials": TOKEN, "start_date": "2999-01-01T00:00:00Z"}, "future"),
    ({"credentials": TOKEN, "base_url": "http://acme.pipedrive.com"}, "base_url"),
    ({"credentials": TOKEN, "base_url": "ftp://x"}, "base_url"),
    ({"credentials": TOKEN, "num_workers": 0}, "num_workers"),
    ({"credentials": TOKEN, "num_workers": "3"}, "num_workers"),
    ({"authorization": {"auth_type": "Other"}}, "authorization.auth_type"),
])
def test_bad_configs_name_the_field(config, field):
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert field in caught.value.message
    assert "tok-123" not in caught.value.message


def test_base_url_rules():
    assert parse_config({"credentials": TOKEN}).base_url == "https://api.pipedrive.com"
    assert parse_config({"credentials": TOKEN, "base_url": "https://acme.pipedrive.com/api/v1/"}).base_url == "https://acme.pipedrive.com"
    assert parse_config({"credentials": TOKEN, "base_url": "http://127.0.0.1:8080"}).base_url == "http://127.0.0.1:8080"
    assert parse_config({"credentials": TOKEN, "base_url": "http://localhost:1"}).base_url == "http://localhost:1"


def test_oauth_against_a_loopback_sandbox_uses_its_token_endpoint():
    creds = {"auth_type": "oauth2", "client_id": "a", "client_secret": "b", "refresh_token": "c"}
    assert parse_config({"credentials": creds}).credentials.token_url == "https://oauth.pipedrive.com/oauth/token"
    local = parse_config({"credentials": creds, "base_url": "http://127.0.0.1:9"})
    assert local.credentials.token_url == "http://127.0.0.1:9/oauth/token"


@given(st.dictionaries(st.sampled_from(["credentials", "start_date", "base_url", "num_workers", "api_token",
                                        "authorization", "replication_start_date"]),
                       st.one_of(st.none(), st.integers(), st.text(max_size=20), st.booleans(),
                                 st.dictionaries(st.sampled_from(["auth_type", "api_token", "client_id"]),
                                                 st.one_of(st.text(max_size=10), st.integers()), max_size=3))))
def test_any_config_either_parses_or_raises_a_config_error(raw):
    try:
        parse_config(raw)
    except ConfigError as error:
        assert error.message
