"""Fixtures for the warehouse tests: a config file pointing at the module's sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kit.warehouse import write_config


@pytest.fixture
def config_file(sandbox: Any, tmp_path: Path) -> Path:
    return write_config(sandbox, tmp_path)
