"""The local DuckDB warehouse behind `source-pipedrive sync`: table plans, atomic writes, progress."""

from __future__ import annotations

from .columns import Column, CustomColumn, TablePlan, plan_table, snake, sql_type
from .store import PageResult, SavedState, Warehouse

__all__ = [
    "Column", "CustomColumn", "TablePlan", "plan_table", "snake", "sql_type",
    "PageResult", "SavedState", "Warehouse",
]
