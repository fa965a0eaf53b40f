"""Every retry decision in one place: a table by HTTP status and a table by exception type."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Final, Literal

import httpx

from source_pipedrive.errors import (
    AuthError,
    BlockedError,
    ConfigError,
    ScopeError,
    ServerError,
    SourceError,
    StreamError,
)
from source_pipedrive.http.wire import BadBody

Action = Literal["ok", "retry", "refresh", "rate_limit", "fail"]
OK: Final = "ok"
RETRY: Final = "retry"  # back off (exponential, full jitter) and send again, a bounded number of times
REFRESH: Final = "refresh"  # renew the OAuth token once, then send again
RATE: Final = "rate_limit"  # 429: wait for the announced reset, or stop if the daily budget is spent
FAIL: Final = "fail"  # raise `error` now


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str
    error: type[SourceError] | None = None


_OK = Verdict(OK, "ok")

# Status codes from [RD-HTTP] (https://pipedrive.readme.io/docs/core-api-concepts-http-status-codes).
STATUS: dict[int, Verdict] = {
    400: Verdict(FAIL, "bad request", StreamError),
    401: Verdict(REFRESH, "unauthorized: the token was rejected", AuthError),
    402: Verdict(FAIL, "payment required: the Pipedrive company account is not open", ConfigError),
    403: Verdict(FAIL, "forbidden: the token's scopes or permissions do not cover this", ScopeError),
    404: Verdict(FAIL, "not found", StreamError),
    405: Verdict(FAIL, "method not allowed", StreamError),
    410: Verdict(FAIL, "gone", StreamError),
    415: Verdict(FAIL, "feature not enabled for this company", StreamError),
    422: Verdict(FAIL, "unprocessable", StreamError),
    429: Verdict(RATE, "rate limited"),
    500: Verdict(RETRY, "HTTP 500", ServerError),
    501: Verdict(FAIL, "not implemented", StreamError),
    502: Verdict(RETRY, "HTTP 502", ServerError),
    503: Verdict(RETRY, "HTTP 503", ServerError),  # also Pipedrive's maintenance answer
    504: Verdict(RETRY, "HTTP 504", ServerError),
}

# A 403 with an HTML page is not the API speaking but the edge blocking a token that kept sending
# during a 429 cooldown [RD-RATE]; retrying would only extend the block.
BLOCKED = Verdict(FAIL, "blocked: Pipedrive answered 403 with an HTML page (rate-limit abuse block)", BlockedError)

# First match wins, so subclasses come before their bases.
EXCEPTIONS: list[tuple[type[BaseException], Verdict]] = [
    (httpx.UnsupportedProtocol, Verdict(FAIL, "unsupported URL scheme", ConfigError)),
    (httpx.TimeoutException, Verdict(RETRY, "timeout", ServerError)),
    (httpx.RemoteProtocolError, Verdict(RETRY, "dropped connection", ServerError)),
    (httpx.TransportError, Verdict(RETRY, "connection error", ServerError)),
    (httpx.DecodingError, Verdict(RETRY, "undecodable body", ServerError)),
    (BadBody, Verdict(RETRY, "truncated or unparseable JSON body", ServerError)),
    (ServerError, Verdict(RETRY, "OAuth token endpoint unavailable", ServerError)),
]


def for_status(status: int, html: bool = False) -> Verdict:
    if 200 <= status < 300:
        return _OK
    if status == 403 and html:
        return BLOCKED
    if status in STATUS:
        return STATUS[status]
    if status >= 500:
        return Verdict(RETRY, f"HTTP {status}", ServerError)
    return Verdict(FAIL, f"unexpected HTTP {status}", StreamError)


# A certificate that fails verification will not heal by retrying; say what it is.
CERTIFICATE = Verdict(
    FAIL,
    "TLS certificate verification failed for the base URL (is it the right host? a proxy that "
    "intercepts TLS needs its CA in SSL_CERT_FILE)",
    ConfigError,
)


def for_exception(exc: BaseException) -> Verdict:
    if _certificate_failure(exc):
        return CERTIFICATE
    for kind, verdict in EXCEPTIONS:
        if isinstance(exc, kind):
            return verdict
    return Verdict(FAIL, type(exc).__name__, ServerError)


def _certificate_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(link):
            return True
        link = link.__cause__ or link.__context__
    return False
