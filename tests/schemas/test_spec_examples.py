"""The official example records of every operation a stream reads validate against our schemas.

The examples come from the checked-in facts (`examples`: up to two records of each operation's 200
example in [SPEC-v1] / [SPEC-v2]); the operations come from the stream table.
"""

from __future__ import annotations

import pytest

from source_pipedrive.schemas import base_schema
from tests.kit.schemas import STREAM_PARTS, operation_key, operations, validator

CASES = sorted({(s.name, operation_key(p)) for s, p in STREAM_PARTS})


@pytest.mark.parametrize(("stream", "key"), CASES, ids=[f"{s}-{k}" for s, k in CASES])
def test_official_examples_validate(stream: str, key: str) -> None:
    examples = operations()[key].get("examples") or []
    schema = base_schema(stream)
    problems = []
    for example in examples:
        for error in validator(schema).iter_errors(example):
            problems.append(f"{'.'.join(map(str, error.absolute_path))}: {error.message[:120]}")
    assert problems == []


def test_some_operations_have_examples() -> None:
    """The facts carry examples at all (a regenerated file without them would make the test above vacuous)."""
    with_examples = [k for _, k in CASES if operations()[k].get("examples")]
    assert len(with_examples) >= len(CASES) // 2
