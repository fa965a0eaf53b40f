"""The canonical record every table keeps, and the lifecycle state of its row.

A record is a dict with times as epoch ints and custom-field values under "_cf" in canonical form
(custom_fields); keys starting with "_" are internal. `api.render_v1` and `api.render_v2` turn it into the
API's shapes.
"""
from __future__ import annotations

from typing import Any

from .clock import DAY

Record = dict[str, Any]

# Row states: listed by default, archived (deals [CL-ARCH] and leads only), deleted.
LIVE, ARCHIVED, DELETED = 0, 1, 2
RECENT = 30 * DAY             # deleted deals stay listable 30 days [CL-PERMDEL]
