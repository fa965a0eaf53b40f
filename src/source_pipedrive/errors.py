"""One exception tree; each class knows the Airbyte failure_type it maps to.

    SourceError                      root: the CLI catches it once and emits one TRACE
    ├── ConfigError                  config_error: a bad config field, a rejected token
    │   └── AuthError                401 / revoked token / OAuth refresh refused
    ├── CatalogError                 config_error: unknown stream, unsupported sync mode
    ├── StateError                   config_error: state we cannot read
    ├── StreamError                  one stream fails, the others go on (INCOMPLETE)
    │   └── ScopeError               403 "Scope and URL mismatch": the token may not read it
    ├── TransientError               transient_error: worth retrying the whole sync later
    │   ├── RateLimitExhausted       the company's daily token budget is spent
    │   ├── BlockedError             Pipedrive's edge answered with its HTML 403 block page
    │   └── ServerError              5xx / dropped connection / bad body after all retries
    └── (anything else)              system_error, with the stack trace kept internal

Messages never carry tokens: the HTTP engine redacts before raising.
"""

from __future__ import annotations

from datetime import datetime


class SourceError(Exception):
    failure_type = "system_error"

    def __init__(self, message: str, *, internal: str | None = None, stream: str | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        self.internal = internal
        self.stream = stream
        self.status = status  # the HTTP status that caused it, if any (a child's 404: its parent is gone)


class ConfigError(SourceError):
    failure_type = "config_error"


class AuthError(ConfigError):
    pass


class CatalogError(SourceError):
    failure_type = "config_error"


class StateError(SourceError):
    failure_type = "config_error"


class StreamError(SourceError):
    """A failure confined to one stream: report it INCOMPLETE and keep reading the rest."""

    failure_type = "system_error"


class ScopeError(StreamError):
    failure_type = "config_error"


class TransientError(SourceError):
    failure_type = "transient_error"


class ServerError(TransientError):
    pass


class BlockedError(TransientError):
    pass


class RateLimitExhausted(TransientError):
    """The daily budget is spent; `resets_at` is when Pipedrive refills it (server midnight)."""

    def __init__(
        self,
        message: str,
        *,
        resets_at: datetime | None = None,
        internal: str | None = None,
        stream: str | None = None,
    ):
        super().__init__(message, internal=internal, stream=stream)
        self.resets_at = resets_at
