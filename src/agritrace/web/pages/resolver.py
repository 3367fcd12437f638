"""The GS1 Digital Link resolver: the consumer page, the linkset, and the problem report form.

``/01/{gtin}[/10/{lot}][/21/{serial}]``, ``/00/{sscc}`` and ``/414/{gln}`` resolve to the HTML
consumer page, or to an RFC 9264 linkset when asked with ``Accept: application/linkset+json`` or
``?linkType=`` (``all``/``linkset`` for every link, a GS1 link type such as ``gs1:pip`` for those
of that type only). A path that is valid but not in canonical form (GTIN-13, trailing slash,
``gtin``/``lot``/``ser`` names) redirects (301) to the canonical path. The HTML page logs a scan
and shows the verdict; the web layer only renders, the rules are in :mod:`agritrace.scans`.
"""

from __future__ import annotations

import inspect
import json
import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from agritrace import pagecache
from agritrace.errors import ValidationException
from agritrace.farm.diary import vietnam_today
from agritrace.ids.compressed_link import InvalidCompressedLink, expand_path
from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import InvalidIdentifier
from agritrace.market import catalogue
from agritrace.scans import log
from agritrace.scans.facts import answer
from agritrace.scans.verdict import Policy, Scan, Status, Verdict, decide
from agritrace.store.raw import awaiting
from agritrace.vietnam_time import vietnam_day
from agritrace.web import i18n
from agritrace.web.api.deps import verdict_reader
from agritrace.web.headers import request_client
from agritrace.web.pages.plot_svg import PlotDrawing, plot_drawing
from agritrace.web.problems import problem_response

router = APIRouter(include_in_schema=False)
LINKSET = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = ("pip", "traceability", "certificationInfo", "recallStatus", "defaultLink")
MAX_REPORT_BYTES = 8 * 1024
_WEB = Path(__file__).resolve().parent.parent


# A text without fields, as the templates ask for it: {{ t("key") }}.
_FIXED_TEXT = re.compile(r'\{\{ t\("([a-z0-9_]+)"\) \}\}')


class _TextsWrittenIn(FileSystemLoader):
    """The templates with their fixed texts written in, in one language.

    A consumer page asks for a couple of dozen texts, most of them without fields and the same on
    every page; each ``t()`` from a template is a Jinja call plus an escape. Written into the
    source (escaped) once per language, they cost nothing per render. A text that looks like
    template syntax is left to ``t()``.
    """

    def __init__(self, lang: str) -> None:
        super().__init__(_WEB / "templates")
        self._t = i18n.Translator(lang)

    def get_source(self, environment: Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return _FIXED_TEXT.sub(self._text, source), filename, uptodate

    def _text(self, match: re.Match[str]) -> str:
        text = self._t(match[1])
        return match[0] if any(mark in text for mark in ("{{", "{%", "{#")) else escape(text)


@lru_cache(maxsize=len(i18n.LANGUAGES))
def _env(lang: str) -> Environment:
    env = Environment(loader=_TextsWrittenIn(lang), autoescape=select_autoescape(["html"]),
                      auto_reload=False)
    env.globals["css"] = Markup((_WEB / "static" / "site.css").read_text(encoding="utf-8"))
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the visitor's language; other page modules may reuse this."""
    t = i18n.Translator(i18n.language(request))
    html = _env(t.lang).get_template(template).render(t=t, **context)
    response = HTMLResponse(html, status_code=status)
    i18n.remember(request, response)
    return response


@router.get("/.well-known/gs1resolver")
def resolver_description(request: Request) -> JSONResponse:
    base = request.app.state.settings.base_url.rstrip("/")
    return JSONResponse({
        "name": "agritrace",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01", "00", "414"],
        "supportedLinkType": [f"gs1:{name}" for name in LINK_TYPES],
        "linkTypeDefaultCanBeLinkset": True,
        "supportedContextValuesEnumerated": [],
        "supportedLanguages": list(i18n.LANGUAGES),
    })


# async: the thread-pool hop of a plain route was a quarter of a page's time, and the thread pool's
# GIL contention made the slowest pages wait hundreds of milliseconds; the facts' statements are
# awaited on the loop (agritrace.store.raw.awaiting).
async def resolve(request: Request) -> Response:
    if request.method != "GET":
        # Starlette routes a GET route's HEAD too: a link checker's or a preview's HEAD is no
        # scan to log, and gets the 405 it got before.
        raise HTTPException(405)
    raw = request.scope.get("raw_path", b"").decode("ascii", "replace") or request.url.path
    if (moved := _uncompressed(request, raw)) is not None:
        return moved
    try:
        link, path = _parsed(raw)
    except InvalidIdentifier as exc:
        return _malformed(request, exc)
    if path != raw:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(path + query, status_code=301)
    link_type = request.query_params.get("linkType")
    wants_linkset = link_type is not None or LINKSET in request.headers.get("accept", "")
    if wants_linkset and link_type != "gs1:pip":
        return await _linkset(request, link, link_type)
    return await _page(request, link, path)


@lru_cache(maxsize=8192)
def _parsed(raw: str) -> tuple[DigitalLink, str]:
    """The link of a path as sent, and its canonical path, worked out once per process: the
    same packs are scanned again and again, and parsing and quoting cost a tenth of a kept
    page."""
    link = DigitalLink.parse(raw)
    return link, link.path


# Plain Starlette routes: FastAPI's per-request work for its own routes (solving dependencies,
# validating parameters) cost about a tenth of a page's CPU, for a handler that reads only the
# request.
_PREFIXES = ("01", "00", "414", "gtin", "sscc", "gln")
router.routes.extend(Route(f"/{prefix}/{{rest:path}}", resolve, methods=["GET"],
                           include_in_schema=False) for prefix in _PREFIXES)
_PATHS = tuple(f"/{prefix}/" for prefix in _PREFIXES)


class FastPages:
    """The resolver's GET requests answered by :func:`resolve` straight from the ASGI call.

    Those paths are the resolver's alone (its routes come first, and no other route starts so),
    so the router would pick :func:`resolve` anyway; on the way it costs a kept page (about half
    a millisecond of CPU) a tenth more: the exception middleware, FastAPI's exit stack, the router
    trying route by route and Starlette's request wrapper. The app's outer middleware (request
    id, metrics, access log, hardening headers) wraps this one as every route; an exception goes
    to the app's own handlers, as the exception middleware would send it. Installed innermost
    (web/app.py); a HEAD or any other method takes the usual way.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "GET"
                or not scope["path"].startswith(_PATHS)):
            await self.app(scope, receive, send)
            return
        scope["endpoint"] = resolve  # what the router sets: the metrics' route label
        request = Request(scope, receive)
        try:
            response = await resolve(request)
        except Exception as exc:
            response = await _handled(request, exc)
        await response(scope, receive, send)


async def _handled(request: Request, exc: Exception) -> Response:
    """The answer of the app's handler for ``exc`` (its nearest class's); re-raised when only
    the server-error middleware handles it (a 500)."""
    handlers = request.app.exception_handlers
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        handler = handlers[exc.status_code]
    else:
        handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers), None)
    if handler is None or handler is handlers.get(Exception) or handler is handlers.get(500):
        raise exc
    response = handler(request, exc)
    return await response if inspect.isawaitable(response) else response  # type: ignore[no-any-return]


def _uncompressed(request: Request, raw: str) -> Response | None:
    """A compressed link's 301 to its uncompressed path, a 400 naming what does not decode,
    or None for a path that is not compressed (agritrace.ids.compressed_link)."""
    try:
        path = expand_path(raw)
    except InvalidIdentifier as exc:
        details = [f"{i18n.Translator(lang)('compressed_invalid')}: {exc}" for lang in ("vi", "en")]
        return problem_response(400, InvalidCompressedLink.title, " / ".join(details),
                                type_name="ValidationException", problems=exc.problems,
                                instance=request.url.path)
    if path is None:
        return None
    query = ("&" if "?" in path else "?") + request.url.query if request.url.query else ""
    return RedirectResponse(path + query, status_code=301)


async def _compressed_only(request: Request) -> Response:
    raw = request.scope.get("raw_path", b"").decode("ascii", "replace") or request.url.path
    if (moved := _uncompressed(request, raw)) is None:
        raise HTTPException(404)
    return moved


#: A fully compressed link (``/AQnYUc1gmiCNV4JG``) is one path segment: appended after every
#: other route (web/app.py), so it answers only paths nothing else does. A fallback, not a
#: resource: OPTIONS and its Allow header leave it out (web/api/epcis.py), so ``/capture`` still
#: says it takes POST only.
compressed_route = Route("/{segment}", _compressed_only, methods=["GET"], include_in_schema=False)
_compressed_only.fallback = True  # type: ignore[attr-defined]


def _policy(request: Request) -> Policy:
    return getattr(request.app.state, "scan_policy", None) or Policy()


async def _facts(request: Request, link: DigitalLink, generation: int) -> dict[str, Any]:
    """The facts a page or linkset is rendered from: read where the page cache's ``generation``
    (the primary's, read first) has been reached, a replica or the primary, so that a kept
    entry is never older than its generation says (agritrace.store.replicas)."""
    return await answer(await verdict_reader(request, generation), link, _policy(request),
                        request.app.state.settings.base_url, generation)


def _cache_key(request: Request, kind: str, path: str, *varies: str) -> str:
    """What a cached page or linkset varies on besides the tables: the code, the day (expired
    certificates and best-before dates; Vietnam's and UTC's) and the deployment's base URL; a
    page also on its language and the address it is served at (its share card names it). Never
    on a visitor: the page is the same for everyone, signed in or not (it reads no session)."""
    return pagecache.key(kind, path, vietnam_today().isoformat(),
                         datetime.now(UTC).date().isoformat(),
                         request.app.state.settings.base_url, *varies)


# The device cookie: a random id, first-party, sent to this site only, never read by scripts.
DEVICE_COOKIE = "agt_device"
_DEVICE_MAX_AGE = 400 * 24 * 3600  # what browsers allow at most
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _client_key(request: Request) -> str:
    return log.client_key(request_client(request), request.app.state.settings.base_url)


def _visit(request: Request) -> tuple[log.Visit, str | None]:
    """Who scans, and the device cookie to set if the visitor has none yet."""
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    new = None if _DEVICE_ID.fullmatch(cookie) else secrets.token_urlsafe(16)
    visit = log.Visit(log.device_key(new or cookie), _client_key(request),
                      request.headers.get("user-agent", ""))
    return visit, new


def _with_device(request: Request, response: Response, new: str | None) -> Response:
    if new is not None:  # written out: Response.set_cookie's SimpleCookie costs 40 us a page
        secure = "; Secure" if request.scope.get("scheme") == "https" else ""
        response.raw_headers.append((b"set-cookie", (
            f"{DEVICE_COOKIE}={new}; Max-Age={_DEVICE_MAX_AGE}; Path=/; HttpOnly; "
            f"SameSite=lax{secure}").encode()))
    return response


async def _page(request: Request, link: DigitalLink, path: str) -> Response:
    """The consumer page: kept without its verdict (:mod:`agritrace.pagecache`), the verdict
    decided for this scan from the scan history (:mod:`agritrace.scans.log`)."""
    visit, new_device = _visit(request)
    scan = log.new_scan(_float(request.query_params.get("lat")),
                        _float(request.query_params.get("lon")), device=visit.device)
    # ?located=1: the page's own script sends the location the visitor chose to share.
    located = request.query_params.get("located") == "1" and scan.lat is not None
    t = i18n.Translator(i18n.language(request))
    page_url = str(request.url.replace(query=""))
    engine, policy = request.app.state.engine, _policy(request)
    cache_key = _cache_key(request, "page", path, t.lang, page_url)
    waiting = log.queue(engine)
    async with awaiting(engine) as raw:
        # The kept page's generation is read with the scans, in one statement: a warm page
        # whose bytes this process holds costs one round trip.
        reading = await log.read_scans(raw, waiting, path, scan, visit, policy,
                                       locating=located, along=pagecache.GENERATION)
        generation = int(reading.along)
        entry = await pagecache.fetch(raw, cache_key, generation)
    # Only a code the log does not know (a kept "unknown" page, or none kept yet) may be a
    # listed product without a lot: asked here, a traced code's page pays nothing for it. Asked
    # after the connection above is given back: the thread takes its own, and pages holding one
    # each while waiting for threads that wanted another emptied the pool under a burst of
    # misses (30 s waits, then errors).
    if (entry is None or entry.meta["verdict"] is None) and (
            product_page := await run_in_threadpool(catalogue.untraced_page, engine, link)):
        return RedirectResponse(product_page, status_code=307)  # issue 14: a shelf card
    history = log.log_scan(waiting, path, scan, visit, policy, reading)
    if entry is None:
        entry = await _render_page(request, link, t, page_url, generation)
        async with awaiting(engine) as raw:
            await pagecache.store(raw, cache_key, entry)
    middle = b""
    if entry.meta["verdict"] is not None:
        verdict = decide(Status(*entry.meta["verdict"]), history, policy)
        middle = _verdict(t, verdict, located)
    response = _served(request, entry, middle)
    i18n.remember(request, response)
    return _with_device(request, response, new_device)


# Where the verdict section goes in a kept page: a comment no text or value can hold (values
# are escaped, so "<" never reaches the page from one).
_VERDICT_HERE = "<!--agt:verdict-->"


async def _render_page(request: Request, link: DigitalLink, t: i18n.Translator,
                       page_url: str, generation: int) -> pagecache.Entry:
    facts = await _facts(request, link, generation)
    status = facts["status"]
    if facts["verdict"].kind == "unknown":
        html = _env(t.lang).get_template("message.html").render(
            t=t, title=t("unknown_title"), tone="unknown",
            text=t("unknown_text", code=link.element_string()), back=None, show_form=True,
            code=link.path)
        return pagecache.Entry.make(generation, {"status": 404, "verdict": None},
                                    html.encode())
    html = _env(t.lang).get_template("product.html").render(
        t=t, verdict=Markup(_VERDICT_HERE), **_page_context(facts, t, page_url))
    head, tail = html.split(_VERDICT_HERE, 1)
    meta = {"status": 200, "verdict": [status.issued, status.voided, status.recalled,
                                       status.serialized, status.owned],
            "link": f'<{facts["uri"]}?linkType=all>; rel="linkset"; type="{LINKSET}"'}
    return pagecache.Entry.make(generation, meta, head.encode(), tail.encode())


def _verdict(t: i18n.Translator, verdict: Verdict, located: bool) -> bytes:
    """The verdict section of this request: made once per language, verdict, place and day of
    the first scan (rendering it cost a twentieth of a kept page), with the scan count and the
    devices and places (exact: they change with every scan of a much-scanned code) written in
    per request."""
    first = verdict.first_scan
    before, after = _verdict_around(
        t.lang, verdict.kind, verdict.reasons, located,
        vietnam_day(first.scanned_us) if first else None,
        f"{first.lat}, {first.lon}" if first and first.lat is not None else None)
    section = before + _number(t, verdict.scan_count) + after
    for here, value in ((_DEVICES_HERE, verdict.devices), (_PLACES_HERE, verdict.places)):
        if here in section:  # a suspicious verdict's reason
            section = section.replace(here, _number(t, value))
    return section


def _number(t: i18n.Translator, value: int) -> bytes:
    return str(escape(t.number(value))).encode()


# Where the count, the devices and the places go: no text or escaped value holds these.
_COUNT_HERE, _DEVICES_HERE, _PLACES_HERE = "\x00", b"\x01", b"\x02"


@lru_cache(maxsize=4096)
def _verdict_around(lang: str, kind: str, reasons: tuple[str, ...], located: bool,
                    first_day: date | None, first_place: str | None) -> tuple[bytes, bytes]:
    t = i18n.Translator(lang)
    html = _env(lang).get_template("_verdict.html").render(
        t=t, v=Verdict(kind, reasons, 0, Scan(0) if first_day else None),
        located=located, count=_COUNT_HERE, devices=_DEVICES_HERE.decode(),
        places=_PLACES_HERE.decode(),
        first_date=t.date(first_day) if first_day else None, first_place=first_place)
    before, _, after = html.partition(_COUNT_HERE)
    return before.encode(), after.encode()


def _served(request: Request, entry: pagecache.Entry, middle: bytes = b"",
            media_type: str = "text/html; charset=utf-8") -> Response:
    """A kept response with its ``middle``: an ETag and ``no-cache``, so that a reload asks
    again (the verdict is never older than the request) and gets a 304 while nothing it shows
    changed; gzip to a client that takes it. ``private``: a shared cache answering for us would
    hide the scans from the verdict."""
    status = entry.meta["status"]
    headers = {"Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    if entry.meta.get("link"):
        headers["Link"] = entry.meta["link"]
    if status == 200:
        headers["ETag"] = tag = entry.tag(middle)
        if tag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
    if _takes_gzip(request.headers.get("accept-encoding", "")):
        headers["Content-Encoding"] = "gzip"
        return Response(entry.gzipped(middle), status, headers, media_type)
    return Response(entry.body(middle), status, headers, media_type)


def _etags(header: str) -> set[str]:
    """The tags of If-None-Match, weak or strong alike (RFC 9110: weak comparison)."""
    return {f'W/{tag.strip().removeprefix("W/")}' for tag in header.split(",") if tag.strip()}


def _takes_gzip(header: str) -> bool:
    for coding in header.lower().split(","):
        name, _, quality = coding.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return quality.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _page_context(facts: dict[str, Any], t: i18n.Translator, page_url: str) -> dict[str, Any]:
    product = facts["product"]
    name = ((product.get("name_en") if t.lang == "en" else None) or product["name"]
            or t("unnamed_product", gtin=facts["gtin"] or facts["code"]))
    origin = facts["origin"] or {}
    plot = (_drawing(origin["plot"], orjson.dumps(origin["geometry"]), t("plot_drawing"))
            if origin.get("geometry") else None)
    harvest = " – ".join(dict.fromkeys(
        _local_date(d, t) for d in (origin.get("harvest_start"), origin.get("harvest_end"))
        if d))
    return {
        "facts": facts, "name": name, "plot": plot, "code": facts["code"],
        "linkset_href": facts["uri"] + "?linkType=all",
        "jsonld": _jsonld(facts, name),
        "harvest": harvest,
        "card": _share_card(facts, name, t, page_url),
    }


def _share_card(facts: dict[str, Any], name: str, t: i18n.Translator, page_url: str
                ) -> dict[str, str | None]:
    """Open Graph and Twitter card fields, so a link shared on Facebook or Zalo shows the
    product's picture, name and origin. No verdict: a shared preview is cached by the other
    site, and a recall must never be hidden behind a stale "genuine"."""
    origin = facts["origin"] or {}
    place = ", ".join(p for p in (origin.get("commune"), origin.get("district"),
                                  origin.get("province")) if p)
    about = [f"{t('producer')}: {facts['producer']}" if facts["producer"] else "",
             f"{t('origin')}: {place}" if place else ""]
    image = facts["product"].get("image") or ""
    if image.startswith("/"):
        image = str(URL(page_url).replace(path=image))
    return {"title": name, "description": " · ".join(a for a in about if a) or t("site_name"),
            "url": page_url,
            "image": image if image.startswith(("https://", "http://")) else None}


@lru_cache(maxsize=512)
def _drawing(plot: str, geometry: bytes, title: str) -> PlotDrawing | None:
    """A plot's drawing, made once per process: checking and projecting the polygon costs more
    than the rest of the page, and every pack of a lot shows the same plot."""
    return plot_drawing(plot, orjson.loads(geometry), title)


def _local_date(value: object, t: i18n.Translator) -> str:
    try:
        return t.date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _jsonld(facts: dict[str, Any], name: str) -> Markup:
    product: dict[str, Any] = {"@context": "https://schema.org", "@type": "Product",
                               "name": name, "url": facts["uri"], "identifier": facts["uri"]}
    if facts["gtin"]:
        product["gtin14"] = facts["gtin"]
    if facts["serial"]:
        product["serialNumber"] = facts["serial"]
    if facts["producer"]:
        product["manufacturer"] = {"@type": "Organization", "name": facts["producer"]}
    if facts["product"]["country"]:
        product["countryOfOrigin"] = facts["product"]["country"]
    # "</" inside a script element would end it: escape the angle bracket.
    return Markup(json.dumps(product, ensure_ascii=False).replace("<", "\\u003c"))


async def _linkset(request: Request, link: DigitalLink, link_type: str | None) -> Response:
    engine = request.app.state.engine
    cache_key = _cache_key(request, "linkset", link.path, link_type or "")
    async with awaiting(engine) as raw:
        generation, entry = await pagecache.lookup(raw, cache_key)
    if entry is None:
        facts = await _facts(request, link, generation)
        if facts["verdict"].kind == "unknown":
            return problem_response(404, "Unknown code", f"{link.element_string()} was never "
                                    "issued here; the product may be counterfeit.",
                                    instance=link.path)
        links = linkset(facts)
        if link_type not in (None, "all", "linkset"):
            relation = GS1_VOC + link_type.removeprefix("gs1:").removeprefix(GS1_VOC)
            if relation not in links:
                return problem_response(404, "No such link", f"No link of type {link_type!r} "
                                        f"for {link.element_string()}; known: {sorted(links)}",
                                        instance=link.path)
            links = {relation: links[relation]}
        body = {"linkset": [{"anchor": facts["uri"], **links}]}
        entry = pagecache.Entry.make(generation, {"status": 200, "verdict": None},
                                     orjson.dumps(body))
        async with awaiting(engine) as raw:
            await pagecache.store(raw, cache_key, entry)
    return _served(request, entry, media_type=LINKSET)


def linkset(facts: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The links we can offer for these facts, keyed by GS1 link type URI."""
    uri = facts["uri"]
    page = {"href": uri, "title": "Thông tin sản phẩm / Product information",
            "type": "text/html", "hreflang": list(i18n.LANGUAGES)}
    links: dict[str, list[dict[str, Any]]] = {
        GS1_VOC + "defaultLink": [page],
        GS1_VOC + "pip": [page],
        GS1_VOC + "recallStatus": [{"href": uri + "#verdict", "type": "text/html",
                                    "title": "Recalled" if facts["recalled"] else "Not recalled"}],
    }
    if facts["journey"]:
        links[GS1_VOC + "traceability"] = [{"href": uri + "#journey", "type": "text/html",
                                           "title": "Hành trình / Journey"}]
    if facts["certificates"]:
        links[GS1_VOC + "certificationInfo"] = [
            {"href": uri + "#certificates", "type": "text/html",
             "title": ", ".join(str(c["scheme"]) for c in facts["certificates"])}]
    return links


def _malformed(request: Request, exc: InvalidIdentifier) -> Response:
    if LINKSET in request.headers.get("accept", ""):
        return problem_response(400, "Malformed GS1 Digital Link", str(exc),
                                instance=request.url.path)
    t = i18n.Translator(i18n.language(request))
    return render(request, "message.html", 400, title=t("malformed_title"), tone="unknown",
                  text=t("malformed_text", detail=malformed_detail(t, exc, request.url.path)),
                  back=None,
                  show_form=True, code=request.url.path[:300])


#: The part of a Digital Link a problem's path names, as a reader calls it.
_PARTS = {"/01": "part_gtin", "/10": "part_lot", "/21": "part_serial", "/00": "part_sscc",
          "/414": "part_gln", "/22": "part_variant", "/254": "part_gln_extension"}


def malformed_detail(t: i18n.Translator, exc: InvalidIdentifier, path: str) -> str:
    """Which part of the code is wrong and what it holds, in the reader's words (the rule that
    failed, in GS1's terms, only in English)."""
    segments = path.split("/")
    return "; ".join(t("part_code_invalid", part=t(_PARTS.get(p.path, "part_code")),
                       found=(t.lang == "vi" and _value_of(segments, p.path)) or p.found,
                       expected=p.expected)
                     for p in exc.problems) or t("part_code_invalid", part=t("part_code"),
                                                 found=path, expected="a GS1 Digital Link")


def _value_of(segments: list[str], ai_path: str) -> str | None:
    """The value after ``/AI`` in the link as it was sent (a check digit's problem names only
    the digit; the reader typed the whole number)."""
    ai = ai_path.removeprefix("/")
    found = [segments[i + 1] for i in range(len(segments) - 1) if segments[i] == ai]
    return found[0][:60] if found and ai else None


@router.post("/report")
async def report(request: Request) -> Response:
    t = i18n.Translator(i18n.language(request))
    body = await request.body()
    if len(body) > MAX_REPORT_BYTES:
        return _report_page(request, 413, t("report_invalid", detail=f"> {MAX_REPORT_BYTES} B"))
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    code = form.get("code", "")[:300]
    key = _client_key(request)
    try:
        opened = log.open_ticket(request.app.state.engine, code, form.get("kind", ""),
                                 form.get("message", ""), form.get("contact", ""), key,
                                 getattr(request.app.state, "ticket_policy", log.TicketPolicy()))
    except log.RateLimited as exc:
        limited = _report_page(request, 429, t("report_limited"), code)
        limited.headers["Retry-After"] = str(exc.retry_after_s)
        return limited
    except ValidationException as exc:
        detail = "; ".join(p.message() for p in exc.problems)
        return _report_page(request, 400, t("report_invalid", detail=detail), code)
    page = _report_page(request, 201, t("report_thanks", code=opened.ticket_code), code,
                        "genuine")
    page.headers["Cache-Control"] = "no-store"  # the ticket code is the reporter's alone
    return page


def _report_page(request: Request, status: int, text: str, code: str = "",
                 tone: str = "suspicious") -> HTMLResponse:
    t = i18n.Translator(i18n.language(request))
    back = code if code.startswith(("/01/", "/00/", "/414/")) else None
    return render(request, "message.html", status, title=t("report"), tone=tone, text=text,
                  back=back, show_form=False, code=code)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
