"""Fixtures for the PyAirbyte tests: PyAirbyte installed once per checkout in a virtualenv of its own."""

from __future__ import annotations

import pytest

from tests.kit.pyairbyte import PyAirbyte, provision


@pytest.fixture(scope="session")
def pyairbyte() -> PyAirbyte:
    """PyAirbyte's python and a runner for tests/e2e/pyairbyte_driver.py (see tests/kit/pyairbyte.py)."""
    return provision()
