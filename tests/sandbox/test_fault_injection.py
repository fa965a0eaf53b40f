"""Injected faults: each kind appears at about the configured rate, deterministically for a seed."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.kit.sandbox import auth

N = 150


def _outcome(c: httpx.Client, path: str = "/api/v2/pipelines") -> str:
    try:
        r = c.get(path)
    except httpx.TransportError:
        return "drop"
    if r.status_code in (500, 502, 503):
        return "5xx"
    assert r.status_code == 200, r.status_code
    try:
        json.loads(r.content)
    except ValueError:
        return "truncate"
    return "ok"


def _run(sb, n: int = N) -> list[str]:
    with httpx.Client(base_url=sb.url, headers=auth(sb), timeout=10, verify=False) as c:
        return [_outcome(c) for _ in range(n)]


@pytest.mark.parametrize("kind", ["5xx", "drop", "truncate"])
def test_fault_kind_appears_at_about_the_configured_rate(make_sandbox, kind: str) -> None:
    sb = make_sandbox(fault_rate=0.2, faults=(kind,))
    got = _run(sb)
    n = got.count(kind)
    assert 12 <= n <= 50, (kind, n)  # binomial(150, 0.2): mean 30, sd 4.9
    assert set(got) == {"ok", kind}
    assert sb.stats()["faults"][kind] == n


def test_latency_spikes_appear_at_about_the_configured_rate(make_sandbox) -> None:
    sb = make_sandbox()
    sb.configure(fault_rate=0.25, faults=["latency"], latency_spike_ms=20)  # keep the suite fast
    got = _run(sb, 80)
    assert set(got) == {"ok"}  # a spike delays the answer but the answer is whole
    n = sb.stats()["faults"]["latency"]
    assert 6 <= n <= 38, n  # binomial(80, 0.25): mean 20, sd 3.9


def test_no_faults_at_rate_zero(make_sandbox) -> None:
    sb = make_sandbox(fault_rate=0.0)
    assert set(_run(sb, 60)) == {"ok"}
    assert sum(sb.stats()["faults"].values()) == 0


def test_mixed_faults_are_deterministic_for_a_seed(make_sandbox) -> None:
    kinds = ("5xx", "drop", "truncate")
    a = _run(make_sandbox(seed=7, fault_rate=0.3, faults=kinds), 80)
    b = _run(make_sandbox(seed=7, fault_rate=0.3, faults=kinds), 80)
    c = _run(make_sandbox(seed=8, fault_rate=0.3, faults=kinds), 80)
    assert a == b
    assert a != c
    assert set(kinds) <= set(a)  # every kind shows up in a mix


def test_configure_turns_faults_on_and_off_and_control_calls_never_fault(make_sandbox) -> None:
    sb = make_sandbox()
    sb.configure(fault_rate=1.0, faults=["5xx"])
    assert set(_run(sb, 10)) == {"5xx"}
    for _ in range(10):  # /_sandbox is exempt from faults
        assert "streams" in sb.truth()
        sb.stats()
    sb.configure(fault_rate=0.0)
    assert set(_run(sb, 10)) == {"ok"}
