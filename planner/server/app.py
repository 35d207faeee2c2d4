"""The feed server's routes on Starlette: the plans, each plan's members' page, its feeds.

    /                    the plans served
    /<plan>/             the members' page (a GET form of member settings)
    /<plan>.ics?...      a member's feed; .csv and .html the same plan as those files
    /healthz             "ok"

Nothing else answers. A URL's plan name is only looked up among the plan files the server
found, never turned into a path; the responses are built bodies, never a file as it is.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import importlib
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from planner.cards import CARDS_FOLDER
from planner.export import FORMATS
from planner.server.pages import Pages
from planner.server.plans import MAX_PARAMETERS, MAX_QUERY, BadRequest, Catalogue, Feed, Served

log = logging.getLogger("planner.serve")

CONFIG_ENV = "PLANNER_SERVE_CONFIG"
"""How `planner serve` hands PLANS and --base-url to each worker process uvicorn starts."""
KINDS = ("ics", "csv", "html")
MAX_HEAD = 8 * 1024
"""The request line and headers together: a calendar app sends well under 1 KB."""
MAX_HEADERS = 64
PLAIN = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def create_app() -> ASGIApp:
    """The app for uvicorn's factory mode, configured by CONFIG_ENV (set by planner serve)."""
    config = json.loads(os.environ[CONFIG_ENV])
    _log_to_stderr()
    return make_app(Path(config["plans"]), config["base_url"], cards=config.get("cards", False))


def make_app(plans: Path, base_url: str, *, cards: bool = False) -> ASGIApp:
    """The server's app; with ``cards``, every yoga event links to its routine card, served
    at ``/cards/<routine>[-level-N][-gentle].html`` under ``base_url``."""
    # The exporters import icalendar and more when first used: done here, before the first
    # member waits for it (a second or more, holding the GIL against the event loop).
    for format_ in FORMATS.values():
        importlib.import_module(format_.exporter.split(":")[0])
    # A build runs in a thread, and a thread that computes keeps the GIL for the switch
    # interval each time the event loop asks for it: 1 ms rather than 5 lets the loop read
    # and answer cached requests while a new member's feed is built.
    sys.setswitchinterval(0.001)
    cards_url = f"{base_url.rstrip('/')}/{CARDS_FOLDER}" if cards else None
    site = Site(Catalogue(plans, cards_url=cards_url), base_url)
    routes = [
        Route("/", site.index),
        Route("/healthz", site.healthz),
        *([Route(f"/{CARDS_FOLDER}/{{name}}", site.card)] if cards else []),
        Route("/{plan}/", site.page),
        *(Route(f"/{{plan}}.{kind}", site.feed) for kind in KINDS),
        Route("/{plan}", site.to_page),  # last: any other name
    ]
    handlers: Mapping[Any, Any] = {
        HTTPException: _http_error,
        Exception: _internal_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    # Starlette would redirect any path to its form with(out) a slash, on the Host the client
    # names; only a plan's own name is sent on to its page (to_page), by a relative address.
    app.router.redirect_slashes = False
    return Bounded(app)


class Bounded:
    """Refuses a request whose head is larger than a calendar app or a browser sends (h11
    bounds only a head that arrives in pieces), before any routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            size = len(scope.get("raw_path") or b"") + len(scope["query_string"])
            size += sum(len(name) + len(value) + 4 for name, value in headers)
            if size > MAX_HEAD or len(headers) > MAX_HEADERS:
                response = PlainTextResponse(
                    "request header fields too large\n", status_code=431, headers=PLAIN
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Site:
    def __init__(self, catalogue: Catalogue, base_url: str) -> None:
        self.catalogue = catalogue
        self.pages = Pages(base_url.rstrip("/"))

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok\n", headers=PLAIN)

    async def card(self, request: Request) -> Response:
        """A routine card that the served plans' routines make; never a file as it is."""
        _no_query(request)
        card = await run_in_threadpool(self.catalogue.card, request.path_params["name"])
        if card is None:
            raise HTTPException(404)
        headers = {
            **_PAGE_SECURITY,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        }
        return Response(card, media_type="text/html; charset=utf-8", headers=headers)

    async def index(self, request: Request) -> Response:
        _no_query(request)
        return self.pages.index(self.catalogue.plans())

    async def page(self, request: Request) -> Response:
        served = self._served(request)
        query = _query(request)
        if served.good is None:
            return self.pages.plan(served, None, query, None, status=503)
        if not query:
            return self.pages.plan(served, served.good, query, None)
        try:
            plan = await run_in_threadpool(self.catalogue.plan, served.good, query)
        except BadRequest as err:
            return self.pages.plan(served, served.good, query, None, error=str(err), status=400)
        return self.pages.plan(served, served.good, query, plan)

    async def to_page(self, request: Request) -> Response:
        served = self._served(request)
        return Response(status_code=308, headers={**PLAIN, "Location": f"/{quote(served.stem)}/"})

    async def feed(self, request: Request) -> Response:
        served = self._served(request)
        kind = request.url.path.rsplit(".", 1)[1]
        version = served.good
        raw = request.scope["query_string"].decode("latin-1")
        if version is not None:
            # A repeated request: its query was read and found good when it was built.
            feed = self.catalogue.cache.get((version.stem, version.files, kind, raw))
            if feed is not None:
                return _send(request, feed, kind)
        query = _query(request)
        if version is None:
            return PlainTextResponse(
                f"{served.stem}: not available now; the plan's page says why\n",
                status_code=503,
                headers=PLAIN,
            )
        try:
            feed = await run_in_threadpool(self.catalogue.feed, version, kind, query, raw)
        except BadRequest as err:
            return PlainTextResponse(f"{err}\n", status_code=400, headers=PLAIN)
        return _send(request, feed, kind)

    def _served(self, request: Request) -> Served:
        served = self.catalogue.get(request.path_params["plan"])
        if served is None:
            raise HTTPException(404)
        return served


def _query(request: Request) -> dict[str, str]:
    """The URL's parameters, each once; BadRequest answers 400 (414 when too long)."""
    raw = request.scope["query_string"]
    if len(raw) > MAX_QUERY:
        raise HTTPException(414, f"the query is longer than {MAX_QUERY} characters")
    try:
        pairs = parse_qsl(
            raw.decode("latin-1"),
            keep_blank_values=True,
            max_num_fields=MAX_PARAMETERS,
            encoding="utf-8",
            errors="replace",
        )
    except ValueError:
        raise HTTPException(400, f"more than {MAX_PARAMETERS} parameters") from None
    query: dict[str, str] = {}
    for key, value in pairs:
        if key in query:
            raise HTTPException(400, f"{key}: given twice; give it once")
        query[key] = value
    return query


def _no_query(request: Request) -> None:
    if request.scope["query_string"]:
        raise HTTPException(400, "this page takes no parameters")


def _send(request: Request, feed: Feed, kind: str) -> Response:
    """The feed, or 304 when the client has it; gzip when the client takes it."""
    gzipped = _takes_gzip(request.headers.get("accept-encoding", ""))
    etag = f'"{feed.etag}-gzip"' if gzipped else f'"{feed.etag}"'
    headers = {
        "ETag": etag,
        "Last-Modified": email.utils.format_datetime(feed.modified, usegmt=True),
        # A calendar app or a cache may keep it as long as the feed asks apps to wait.
        "Cache-Control": f"public, max-age={feed.refresh_hours * 3600}",
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        "Content-Type": feed.media_type,
    }
    if kind == "html":
        headers.update(_PAGE_SECURITY)
    if _not_modified(request, feed):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(feed.gzipped if gzipped else feed.body, headers=headers, media_type=None)


_PAGE_SECURITY = {
    # The printable overview has its stylesheet inline and no scripts.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def _not_modified(request: Request, feed: Feed) -> bool:
    tags = request.headers.get("if-none-match")
    if tags is not None:
        # Weak comparison (RFC 9110 13.1.2): either encoding's tag names the same content.
        for tag in tags.split(","):
            tag = tag.strip().removeprefix("W/").strip('"').removesuffix("-gzip")
            if tag in ("*", feed.etag):
                return True
        return False
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return feed.modified <= when


_CODING = re.compile(r"\s*([^;,\s]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*")


def _takes_gzip(accept: str) -> bool:
    for part in accept.split(","):
        match = _CODING.fullmatch(part)
        if match and match[1].lower() in ("gzip", "*"):
            try:
                return float(match[2] or 1) > 0
            except ValueError:
                return False
    return False


_REASONS = {400: "bad request", 404: "not found", 405: "method not allowed", 414: "URI too long"}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = exc.status_code
    # Starlette's own details name its internals; ours (raised above) are one line for the user.
    detail = exc.detail if code in (400, 414) and exc.detail else _REASONS.get(code, "error")
    headers = {**PLAIN, **(exc.headers or {})}
    return PlainTextResponse(f"{detail}\n", status_code=code, headers=headers)


async def _internal_error(request: Request, exc: Exception) -> Response:
    # Starlette raises the exception on to uvicorn after this, which logs its traceback.
    return PlainTextResponse("internal error\n", status_code=500, headers=PLAIN)


def _log_to_stderr() -> None:
    """planner's own lines (a plan read again, an invalid edit) on stderr, one each."""
    if log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine("planner: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if record.exc_info:  # a traceback stays as it is: it is for the engineer
            return line
        return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m[0])[1:-1], line)
