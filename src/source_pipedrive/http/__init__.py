"""The HTTP engine: sending, auth, pacing, retries, pagination and redaction; it knows nothing of streams."""

from __future__ import annotations

from source_pipedrive.http.auth import ApiTokenAuth, OAuth2Auth
from source_pipedrive.http.client import Client
from source_pipedrive.http.pagination import (
    Page,
    PageGuard,
    Paging,
    cursor_pages,
    keyset_pages,
    offset_pages,
    pages,
    single_page,
)
from source_pipedrive.http.ratelimit import Cancelled, RateLimiter
from source_pipedrive.http.redact import Redactor

__all__ = [
    "ApiTokenAuth",
    "Cancelled",
    "Client",
    "OAuth2Auth",
    "Page",
    "PageGuard",
    "Paging",
    "RateLimiter",
    "Redactor",
    "cursor_pages",
    "keyset_pages",
    "offset_pages",
    "pages",
    "single_page",
]
