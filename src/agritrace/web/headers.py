"""Browser hardening on every response, and the one place the client's address is read.

Every page and API answer carries a Content-Security-Policy that lets a page load nothing from
another origin (pages here make no external request: no CDN, no map tiles, no fonts), run no
script and apply no style but its own files and the fixed inline blocks of our templates (by
hash), be framed by nobody, and send its address to no other site; plus ``nosniff`` and
``X-Frame-Options: DENY`` for older browsers. A route that must differ (an embeddable badge)
sets its own header, which is kept.

The client address (the scan log's and the report form's rate limits) comes from
``X-Forwarded-For`` only when the connection comes from a proxy listed in
``AGRITRACE_TRUSTED_PROXIES``; otherwise a client could name any address it likes.

>>> client_address("10.0.0.2", "203.0.113.7, 10.0.0.1", parse_proxies("10.0.0.0/8"))
'203.0.113.7'
>>> client_address("198.51.100.9", "203.0.113.7", parse_proxies(""))
'198.51.100.9'
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_WEB = Path(__file__).resolve().parent
# A fixed inline block of a template: no template syntax inside, so it is the same on every page.
_INLINE = re.compile(r"<(script|style)>([^<]*)</\1>")
# Inline blocks filled from a static file: the style sheets inlined to save a request.
_INLINED_FILES = (("style", ("site.css",)), ("style", ("site.css", "farm.css")),
                  ("style", ("reports.css",)))
# The interactive API docs (operators', no user content) start Swagger UI from an inline script.
_DOCS = ("/docs", "/redoc")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@lru_cache(maxsize=1)
def inline_hashes() -> dict[str, tuple[str, ...]]:
    """The CSP hashes of every fixed inline script and style of the templates, by kind."""
    found: dict[str, set[str]] = {"script": set(), "style": set()}
    for template in sorted((_WEB / "templates").rglob("*.html")):
        for kind, body in _INLINE.findall(template.read_text(encoding="utf-8")):
            if "{{" not in body and "{%" not in body:
                found[kind].add(_sha256(body))
    for kind, files in _INLINED_FILES:
        found[kind].add(_sha256("".join(
            (_WEB / "static" / name).read_text(encoding="utf-8") for name in files)))
    return {kind: tuple(sorted(hashes)) for kind, hashes in found.items()}


@lru_cache(maxsize=2)
def policy(docs: bool = False) -> str:
    """The Content-Security-Policy of a page (``docs``: of the API docs, inline allowed)."""
    hashes = inline_hashes()
    inline = "'unsafe-inline'" if docs else ""
    script = " ".join(["'self'", inline or " ".join(hashes["script"])]).strip()
    style = " ".join(["'self'", inline or " ".join(hashes["style"])]).strip()
    return ("default-src 'self'; img-src 'self' data:; "
            f"script-src {script}; style-src {style}; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


def _headers(path: str) -> list[tuple[bytes, bytes]]:
    return [(b"content-security-policy", policy(path.startswith(_DOCS)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"strict-origin-when-cross-origin")]


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or body copy, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _headers(scope.get("path", ""))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                if b"content-security-policy" in present:
                    # The route's own policy decides who may frame it (frame-ancestors).
                    present.add(b"x-frame-options")
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def install(app: FastAPI) -> None:
    """Add the headers to every response of ``app``; read its trusted proxies."""
    inline_hashes()  # read the templates now, not on the first request
    app.state.trusted_proxies = parse_proxies(app.state.settings.trusted_proxies)
    app.add_middleware(SecurityHeaders)


def parse_proxies(text: str) -> tuple[Network, ...]:
    """``AGRITRACE_TRUSTED_PROXIES``: addresses or networks, separated by commas or spaces."""
    return tuple(ipaddress.ip_network(part, strict=False)
                 for part in re.split(r"[,\s]+", text.strip()) if part)


@lru_cache(maxsize=4096)  # a proxy's address comes back with every request it forwards
def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: str, forwarded: str, proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
    address in ``X-Forwarded-For`` that is not itself a trusted proxy."""
    if not proxies or not _trusted(peer, proxies):
        return peer
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _trusted(hop, proxies):
            return hop
    return peer


def request_client(request: Request) -> str:
    """:func:`client_address` of a request, with the app's trusted proxies."""
    peer = request.client.host if request.client else ""
    proxies = getattr(request.app.state, "trusted_proxies", ())
    return client_address(peer, request.headers.get("x-forwarded-for", ""), proxies)
