"""Scrub tokens and secrets out of any text before it reaches a log, a message or an exception."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MASK = "***"

# Shapes a secret can take in text even when we do not know its value: the legacy query parameter
# ([RD-AUTH-OLD] `?api_token=`), the auth headers, and the OAuth fields of a token response or form.
_PATTERNS = [
    re.compile(r"(?i)(api_token=)[^&\s'\"]+"),
    re.compile(r"(?i)(x-api-token['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic)\s+)[^\s'\",}]+"),
    re.compile(r"(?i)((?:access_token|refresh_token|client_secret)['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,}]+"),
]

# Very short values would mask ordinary words; real tokens are long.
_MIN_SECRET_LEN = 6


class Redactor:
    """Knows every secret value the engine has handled (they change on OAuth refresh) and masks them."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        with self._lock:
            for s in secrets:
                if s and len(s) >= _MIN_SECRET_LEN:
                    self._secrets.add(s)

    def __call__(self, text: object) -> str:
        out = str(text)
        with self._lock:
            # Longest first, so a secret that contains another is masked whole.
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in out:
                out = out.replace(s, MASK)
        for pattern in _PATTERNS:
            out = pattern.sub(lambda m: m.group(1) + MASK, out)
        return out
