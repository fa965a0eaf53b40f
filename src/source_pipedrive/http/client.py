"""The one place that sends requests: auth, pacing, retries, error mapping and redaction.

    get(path) → RateLimiter.acquire → auth.headers → httpx → RateLimiter.observe → retry.for_status
              ↖──── retry (backoff) / refresh (401) / cooldown (429) ────┘
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlencode

import httpx

from source_pipedrive.errors import (
    BlockedError,
    ConfigError,
    RateLimitExhausted,
    ServerError,
    SourceError,
    StreamError,
)
from source_pipedrive.http import retry
from source_pipedrive.http.ratelimit import RateLimiter
from source_pipedrive.http.ratelimit import header_number as _num
from source_pipedrive.http.redact import Redactor
from source_pipedrive.http.urls import check_url, host_of, is_loopback, user_agent
from source_pipedrive.http.usage import Usage
from source_pipedrive.http.wire import BadBody, JsonObject, Params, QueryValue, object_or_none, parse_object

# After an HTML 403 block page, how long every thread refuses to send (the block lasts about this long).
BLOCK_PAUSE = 30.0
# The heaviest single request costs 80 tokens (/deals/summary/archived [RD-RATE]); with fewer left, a 429
# is the daily budget.
MAX_REQUEST_COST = 80
# A host that never answered (every connection refused or timed out, no response yet in this process)
# is most likely a wrong base URL or a network that is down, not a server having a bad minute: give up
# after this many retries, with short backoffs, instead of the whole schedule.
UNREACHED_RETRIES = 1
UNREACHED_BACKOFF_CAP = 2.0
_NOT_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout)
_reached: set[str] = set()  # hosts ("host:port") that accepted a connection in this process


class Auth(Protocol):
    """What the client needs of credentials (ApiTokenAuth, OAuth2Auth)."""

    redactor: Redactor

    @property
    def api_domain(self) -> str | None:
        """The company's API URL named by an OAuth token response; None otherwise."""

    def headers(self) -> dict[str, str]: ...
    def refresh(self, rejected: dict[str, str]) -> bool: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class _Reply:
    """The server answered: the verdict on its status, and for a usable 2xx the JSON object it sent."""

    sent: dict[str, str]  # the auth headers the request went out with (a 401 refresh compares them)
    resp: httpx.Response
    verdict: retry.Verdict
    body: JsonObject | None = None
    exc: BaseException | None = None  # why a 2xx body is unusable (BadBody)


@dataclass(frozen=True)
class _NoReply:
    """No answer: a timeout, a dropped connection, an OAuth token endpoint that is down."""

    sent: dict[str, str]
    exc: BaseException
    verdict: retry.Verdict
    host: str = ""  # the host that did not answer ("host:port")
    unreached: bool = False  # it never accepted a connection in this process

    def detail(self, final: bool = False) -> str:
        cause = " ".join(str(self.exc).split())[:200] or type(self.exc).__name__
        if self.unreached:
            return f"{self.host} {'never answered' if final else 'has not answered yet'}: {cause}"
        return f"{self.host}: {cause}"


@dataclass
class _Tries:
    """What one get() has been through so far."""

    failures: int = 0
    cooldowns: int = 0
    refreshed: bool = False


class Client:
    """A thread-safe Pipedrive HTTP client; several stream workers share one instance."""

    def __init__(
        self,
        base_url: str,
        auth: Auth,
        *,
        limiter: RateLimiter | None = None,
        max_retries: int = 5,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str, str], None] | None = None,
        on_wait: Callable[[str, float], None] | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        max_cooldowns: int = 8,
        rng: random.Random | None = None,
        follow_api_domain: bool = False,
        max_token_share: float | None = None,
        max_in_flight: int | None = None,
    ):
        self.base_url = check_url(base_url)
        self.follow_api_domain = follow_api_domain
        # Stop, as when the budget is spent, once the company's tokens left today fall to
        # (1 - share) of its daily limit: the rest belongs to the company's other integrations.
        self.max_token_share = max_token_share
        self.usage = Usage()
        self._share_unknown_said = False
        self.auth = auth
        self.limiter = limiter if limiter is not None else RateLimiter()
        if max_in_flight is not None:
            self.limiter.max_in_flight = max_in_flight
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_cooldowns = max_cooldowns
        self._sleep = sleep
        self._clock = clock
        self._log = log
        self._on_wait = on_wait
        self._rng = rng or random.Random()
        self._redact = auth.redactor
        self._server_date: datetime | None = None
        # TLS verification stays on; proxies from the environment are honoured except for loopback,
        # where a system proxy would only get in the way of the local sandbox.
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": user_agent(), "Accept": "application/json"},
            verify=True,
            trust_env=not is_loopback(self.base_url),
            follow_redirects=False,
        )

    # -- public ------------------------------------------------------------------------------------

    def get(self, path: str, params: Params | None = None) -> JsonObject:
        """GET `path` and return the parsed JSON object, or raise a SourceError (already redacted)."""
        query = self._query(path, params)
        where = f"GET {path}" + (f"?{urlencode(query, doseq=True)}" if query else "")
        tries = _Tries()
        while True:
            self.limiter.acquire(self._clock, self._sleep, self._wait)
            outcome = self._attempt(path, query)
            if isinstance(outcome, _Reply) and outcome.body is not None:
                return self._accept(outcome.resp, outcome.body, where)
            self._recover(outcome, where, tries)

    def api_base(self) -> str:
        """Where API calls go: the OAuth token response's api_domain when following it, else base_url."""
        domain = self.auth.api_domain
        return domain if self.follow_api_domain and domain else self.base_url

    def _attempt(self, path: str, query: Mapping[str, QueryValue]) -> _Reply | _NoReply:
        """Send once; always tell the limiter how it went; classify the outcome."""
        resp: httpx.Response | None = None
        sent: dict[str, str] = {}
        url = self.api_base() + path
        try:
            sent = self.auth.headers()  # may refresh an OAuth token, which may name the api_domain
            url = self.api_base() + path
            began = self._clock()
            resp = self._http.get(url, params=query, headers=sent)
            self.limiter.note_latency(self._clock() - began)
        except (httpx.HTTPError, ServerError) as e:
            return self._no_reply(sent, e, url)
        finally:
            # Even on an unexpected exception, so a waiting probe is released.
            status = resp.status_code if resp is not None else None
            self.limiter.observe(resp.headers if resp is not None else None, self._clock(), status)
            if resp is not None:
                self.usage.count(path, status, _num(resp.headers, "x-daily-ratelimit-token-remaining"),
                                 _num(resp.headers, "x-daily-ratelimit-token-limit"))
        _reached.add(host_of(str(resp.request.url)))
        self._note_date(resp)
        verdict = retry.for_status(resp.status_code, _is_html(resp))
        if verdict.action != retry.OK:
            return _Reply(sent, resp, verdict)
        try:
            return _Reply(sent, resp, verdict, body=parse_object(resp.content))
        except BadBody as e:
            return _Reply(sent, resp, retry.for_exception(e), exc=e)

    def _accept(self, resp: httpx.Response, body: JsonObject, where: str) -> JsonObject:
        """A 2xx with a JSON object: the body, unless it reports failure."""
        if body.get("success") is False:
            failed = retry.Verdict(retry.FAIL, "the API reported failure", StreamError)
            raise self._fail(failed, where, resp)
        remaining = _num(resp.headers, "x-daily-ratelimit-token-remaining")
        if remaining == 0:
            # This answer spent the last token: any further request would get a 429.
            self._exhaust(where, "x-daily-ratelimit-token-remaining reached 0", raise_=False)
        elif self.max_token_share is not None:
            self._check_share(where, remaining, _num(resp.headers, "x-daily-ratelimit-token-limit"))
        return body

    def _check_share(self, where: str, remaining: float | None, limit: float | None) -> None:
        """With max_token_share, stop before the company's tokens left fall below (1 - share) x limit."""
        share = self.max_token_share or 1.0
        if remaining is None or not limit:
            if not self._share_unknown_said:
                self._share_unknown_said = True
                self._emit("warning", "max_daily_token_share is set, but Pipedrive sent no x-daily-ratelimit-token-* "
                           "headers: the share cannot be enforced; reading on")
            return
        floor = (1.0 - share) * limit
        if remaining <= floor:
            self._exhaust(where, f"this connector's share is used: max_daily_token_share={share:g} keeps "
                          f"{floor:,.0f} of the company's {limit:,.0f} daily tokens for other tools, "
                          f"{remaining:,.0f} are left", raise_=False)

    def _recover(self, outcome: _Reply | _NoReply, where: str, tries: _Tries) -> None:
        """After an attempt without a usable answer: return to send again (after a token refresh, a
        cooldown or a backoff), or raise the SourceError that ends the request."""
        resp = outcome.resp if isinstance(outcome, _Reply) else None
        verdict, exc = outcome.verdict, outcome.exc
        if verdict.action == retry.REFRESH and not tries.refreshed:
            tries.refreshed = True
            try:
                renewed = self.auth.refresh(outcome.sent)
            except ServerError as e:  # the token endpoint is down: back off and try it all again
                exc, verdict, tries.refreshed, renewed = e, retry.for_exception(e), False, False
            if renewed:
                self._emit("info", f"{where}: 401, renewed the OAuth access token; sending again")
                return
        if verdict.action == retry.RATE and resp is not None:  # a 429: always an answer
            tries.cooldowns += 1
            self._rate_limited(resp, where, tries.cooldowns)
            return
        unreached = isinstance(outcome, _NoReply) and outcome.unreached
        limit = min(self.max_retries, UNREACHED_RETRIES) if unreached else self.max_retries
        # A connection failure names the host and what the network said, in each retry and at the end.
        detail = outcome.detail() if isinstance(outcome, _NoReply) and outcome.host else ""
        if verdict.action == retry.RETRY and tries.failures < limit:
            tries.failures += 1
            delay = self._backoff(tries.failures, resp, UNREACHED_BACKOFF_CAP if unreached else None)
            self._emit(
                "warning",
                f"{where}: {verdict.reason}; retry {tries.failures}/{limit} in {delay:.2f} s"
                + (f" ({detail})" if detail else ""),
            )
            self._wait(f"retry after {verdict.reason}", delay)
            self.limiter.pause(delay, self._sleep)
            return
        if verdict.error is BlockedError:
            # Every other thread now fails fast instead of sending: more requests would only
            # prolong the block [RD-RATE].
            self.limiter.block(BLOCK_PAUSE, self._clock())
        raise self._fail(verdict, where, resp, exc, tries.failures,
                         outcome.detail(final=True) if isinstance(outcome, _NoReply) and outcome.host else "")

    def server_now(self) -> datetime | None:
        """The server's time from the last response's Date header (the sandbox's simulated clock)."""
        return self._server_date

    def close(self) -> None:
        self._http.close()
        self.auth.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------------

    def _query(self, path: str, params: Params | None) -> dict[str, QueryValue]:
        if not path.startswith("/") or path.startswith("//"):
            raise ConfigError(self._redact(f"request path must start with a single '/': {path!r}"))
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if "api_token" in query:
            # Tokens travel only in headers, never in a URL that proxies and logs may keep [RD-AUTH].
            raise ConfigError("refusing to send api_token as a query parameter")
        return query

    def _rate_limited(self, resp: httpx.Response, where: str, cooldowns: int) -> None:
        """A 429: either the burst window (wait for its reset, all threads) or the daily budget (stop)."""
        h = resp.headers
        daily = _num(h, "x-daily-ratelimit-token-remaining")
        burst_room = _num(h, "x-ratelimit-remaining")
        if daily is not None and daily < MAX_REQUEST_COST:
            # Fewer tokens left than the heaviest request costs: the budget, not the burst window.
            self._exhaust(where, f"{daily:.0f} tokens left")
        if cooldowns > 1 and (burst_room is None or burst_room > 0):
            # Refused again right after waiting out a full cooldown, while the burst window has
            # room (or is not announced): only the daily budget explains that. A single 429 with
            # room is not enough: it is also the answer to a request that arrived during a
            # cooldown another client on the same token caused.
            self._exhaust(where, "refused again after a full cooldown, with room in the burst window")
        if cooldowns > self.max_cooldowns:
            raise ServerError(self._redact(f"{where}: still rate limited after {self.max_cooldowns} cooldowns"))
        # The limiter already started the cooldown when it observed the 429.
        wait = self.limiter.cooldown_left(self._clock())
        self._emit("warning", f"{where}: 429 over the burst limit; no request goes out for {wait:.2f} s")

    def _exhaust(self, where: str, why: str, *, raise_: bool = True) -> None:
        server_now = self._server_date or datetime.now(timezone.utc)
        # The budget refills at midnight [RD-RATE]; we take UTC midnight after the server's Date.
        resets_at = (server_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        message = self._redact(
            f"{where}: Pipedrive's daily API token budget is used up ({why}); "
            f"it refills at {resets_at.isoformat()}"
        )
        self.limiter.exhaust(resets_at, self._clock() + (resets_at - server_now).total_seconds(),
                             reason=self._redact(why))
        self._emit("error" if raise_ else "warning", message)
        if raise_:
            raise RateLimitExhausted(message, resets_at=resets_at)

    def _no_reply(self, sent: dict[str, str], exc: BaseException, url: str) -> _NoReply:
        """No answer; which host (the one the failed request went to) and whether it ever answered."""
        try:
            request = exc.request if isinstance(exc, httpx.RequestError) else None
        except RuntimeError:  # an error raised before a request existed
            request = None
        host = host_of(str(request.url)) if request is not None else host_of(url)
        if isinstance(exc, httpx.TransportError) and not isinstance(exc, _NOT_CONNECTED):
            _reached.add(host)  # it accepted the connection, then dropped it or was slow to answer
        unreached = isinstance(exc, _NOT_CONNECTED) and host not in _reached
        return _NoReply(sent, exc, retry.for_exception(exc), host if isinstance(exc, httpx.HTTPError) else "",
                        unreached)

    def _backoff(self, failures: int, resp: httpx.Response | None, cap: float | None = None) -> float:
        """Exponential backoff with full jitter; a server's Retry-After (e.g. maintenance 503) is a floor."""
        cap = min(self.backoff_cap, cap) if cap is not None else self.backoff_cap
        delay = self._rng.uniform(0, min(cap, self.backoff_base * 2 ** (failures - 1)))
        after = _num(resp.headers, "retry-after") if resp is not None else None
        if after is not None and after > 0:
            delay = max(delay, min(after, self.backoff_cap))
        return delay

    def _fail(
        self,
        verdict: retry.Verdict,
        where: str,
        resp: httpx.Response | None,
        exc: BaseException | None = None,
        failures: int = 0,
        detail: str = "",
    ) -> SourceError:
        parts = [where]
        if resp is not None:
            parts.append(f"HTTP {resp.status_code}")
        parts.append(verdict.reason)
        api_message = _api_message(resp) if resp is not None and not _is_html(resp) else None
        if api_message:
            parts.append(f"Pipedrive says: {api_message}")
        if failures:
            parts.append(f"after {failures} retries")
        if detail:
            parts.append(detail)
        internal = f"{type(exc).__name__}: {exc}" if exc is not None else None
        message = self._redact(" - ".join(parts))
        # The exception carries the news; the caller decides whether it is an error (a 404 may not be).
        self._emit("debug", message)
        kind = verdict.error or ServerError
        return kind(message, internal=self._redact(internal) if internal else None,
                    status=resp.status_code if resp is not None else None)

    def _note_date(self, resp: httpx.Response) -> None:
        value = resp.headers.get("date")
        if value:
            try:
                parsed = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            self._server_date = parsed.astimezone(timezone.utc)

    def _wait(self, reason: str, seconds: float) -> None:
        if self._on_wait is not None:
            self._on_wait(reason, seconds)

    def _emit(self, level: str, message: str) -> None:
        if self._log is not None:
            self._log(level, self._redact(message))


def _is_html(resp: httpx.Response) -> bool:
    ctype = resp.headers.get("content-type", "").lower()
    return "html" in ctype or resp.content[:64].lstrip().lower().startswith((b"<!doctype", b"<html"))


def _api_message(resp: httpx.Response) -> str | None:
    body = object_or_none(resp.content)
    if body is None:
        return None
    message = body.get("error") or body.get("message")
    info = body.get("error_info")
    if message and info and info not in str(message):
        return f"{message} ({info})"
    return str(message) if message else None

