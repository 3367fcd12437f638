"""Channels: how a delivery reaches its destination, chosen by the scheme of its ``dest``.

- ``http(s)://…``: a webhook, as EPCIS 2.0 asks: the body POSTed as JSON, signed in the
  ``GS1-Signature`` header, its delivery id in ``Idempotency-Key``;
- ``mailto:someone@example.vn``: an e-mail through the configured SMTP server;
- ``sms:+84912345678``: an SMS through the configured gateway's HTTP API;
- ``zalo:USER_ID``: a Zalo Official Account message (its ``/message/cs`` HTTP API).

A channel raises :class:`DeliveryFailed` for anything the receiver did not accept; the outbox
then retries. Every call has the configured timeout: nothing waits for ever.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import httpcore2
import httpx2
import orjson

from agritrace.errors import Problem
from agritrace.settings import Settings

SIGNATURE_HEADER = "GS1-Signature"
DELIVERY_HEADER = "Idempotency-Key"
SCHEMES = ("https", "http", "mailto", "sms", "zalo")


class DeliveryFailed(Exception):
    """The destination did not take the delivery (a short reason, kept with it)."""


@dataclass(frozen=True)
class Message:
    """What one delivery carries: its id, body (JSON) and a short text for people."""

    id: str
    body: bytes
    subject: str
    text: str


def signature(token: str, body: bytes) -> str:
    """The ``GS1-Signature`` value: HMAC-SHA256 of the exact body with the subscriber's
    ``signatureToken``, in hex, prefixed ``sha256=`` (the openapi leaves the choice to the
    implementation and names HMAC with SHA-256 as its example). A receiver verifies with
    :func:`verify`."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def verify(token: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(token, body), header)


class Channel(Protocol):
    def send(self, dest: str, message: Message, token: str | None) -> None: ...


class Webhook:
    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.delivery_timeout_s

    def send(self, dest: str, message: Message, token: str | None) -> None:
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: message.id,
                   "GS1-EPCIS-Version": "2.0.0"}
        if token:
            headers[SIGNATURE_HEADER] = signature(token, message.body)
        answer = _post(dest, self.timeout, content=message.body, headers=headers)
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"HTTP {answer.status_code}")


class Email:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, dest: str, message: Message, token: str | None) -> None:
        mail = EmailMessage()
        mail["From"] = self.settings.smtp_from
        mail["To"] = unquote(urlsplit(dest).path)
        mail["Subject"] = message.subject
        # the delivery id: a mail client shows a resent notice once
        mail["Message-ID"] = f"<{message.id}@agritrace>"
        if token:
            mail[SIGNATURE_HEADER] = signature(token, message.body)
        mail.set_content(message.text + "\n\n" + message.body.decode())
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port,
                              timeout=self.settings.delivery_timeout_s) as smtp:
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP: {exc}"[:300]) from exc


class Sms:
    """An SMS gateway's HTTP API: ``POST {to, text, id}`` with a Bearer token."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, dest: str, message: Message, token: str | None) -> None:
        payload = {"to": urlsplit(dest).path, "text": message.text, "id": message.id}
        answer = _post(self.settings.sms_gateway_url, self.settings.delivery_timeout_s,
                       json=payload, headers={
                           "Authorization": f"Bearer {self.settings.sms_gateway_token}",
                           DELIVERY_HEADER: message.id})
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"SMS gateway: HTTP {answer.status_code}")


class Zalo:
    """A Zalo OA consultation message; the API answers 200 with ``{"error": n}``, 0 for done."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, dest: str, message: Message, token: str | None) -> None:
        payload = {"recipient": {"user_id": urlsplit(dest).path},
                   "message": {"text": message.text[:2000]}}
        answer = _post(self.settings.zalo_oa_url, self.settings.delivery_timeout_s,
                       json=payload, headers={"access_token": self.settings.zalo_oa_token})
        error = _json(answer).get("error")
        if not 200 <= answer.status_code < 300 or error not in (0, None):
            raise DeliveryFailed(f"Zalo: HTTP {answer.status_code}, error {error}")


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS context of every call, made once: loading the CA certificates for each call took
    90 ms, three quarters of a webhook delivery's time (benchmarks/bench_subscriptions.py)."""
    return httpcore2.default_ssl_context()


def _post(url: str, timeout: float, **kwargs: Any) -> httpx2.Response:
    try:
        return httpx2.post(url, timeout=timeout, follow_redirects=False, verify=_tls(),
                           **kwargs)
    except httpx2.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _json(answer: httpx2.Response) -> dict[str, Any]:
    try:
        found = orjson.loads(answer.content)
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def channel_for(dest: str, settings: Settings) -> Channel:
    scheme = urlsplit(dest).scheme.lower()
    if scheme == "mailto":
        return Email(settings)
    if scheme == "sms":
        return Sms(settings)
    if scheme == "zalo":
        return Zalo(settings)
    return Webhook(settings)


def dest_problems(dest: Any, settings: Settings) -> list[Problem]:
    """What is wrong with a subscription's ``dest`` on this server, if anything."""
    expected = ("an https:// webhook URL, or mailto:, sms: or zalo: where this server "
                "has that channel configured")
    if not isinstance(dest, str) or len(dest) > 2000:
        return [Problem("dest", expected, repr(dest)[:80])]
    parts = urlsplit(dest)
    scheme = parts.scheme.lower()
    off = {"mailto": not settings.smtp_host, "sms": not settings.sms_gateway_url,
           "zalo": not settings.zalo_oa_url}
    if scheme not in SCHEMES or off.get(scheme, False):
        return [Problem("dest", expected, dest[:200])]
    if scheme in ("http", "https"):
        if not parts.hostname:
            return [Problem("dest", "a URL with a host", dest[:200])]
        if not settings.subscription_private_dests and _private(parts.hostname):
            return [Problem("dest", "a public host (this server does not call its own "
                            "machine or private networks)", parts.hostname)]
    elif not parts.path.strip():
        return [Problem("dest", f"{scheme}:ADDRESS", dest[:200])]
    return []


def _private(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global
