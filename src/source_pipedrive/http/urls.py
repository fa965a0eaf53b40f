"""URL rules shared by the client and the OAuth refresh: HTTPS always, plain HTTP only on loopback."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from source_pipedrive import __version__
from source_pipedrive.errors import ConfigError


def user_agent() -> str:
    return f"source-pipedrive/{__version__}"


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(url: str) -> str:
    """"host:port" of a URL (the port only when the URL names one), for messages about reaching it."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def check_url(url: str) -> str:
    """Return the URL without a trailing slash, or refuse one that would send a token in clear text."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError("the base URL must be absolute, like https://yourcompany.pipedrive.com")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError("a base URL must not carry a query, fragment or credentials")
    if parts.scheme == "https":
        return url.rstrip("/")
    if parts.scheme == "http" and is_loopback(url):
        return url.rstrip("/")
    raise ConfigError(f"refusing {parts.scheme}:// to {parts.hostname}: use https (plain http only to loopback)")
