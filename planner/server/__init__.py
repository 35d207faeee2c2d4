"""`planner serve`: live, personalised calendar feeds of plan files, and a members' page.

Starlette on uvicorn: an ASGI server built for production (graceful shutdown on SIGTERM,
worker processes, h11's bounds on the request line and headers), and a small routing layer
that adds nothing per request but the route match. A feed, once built, is answered from
memory in well under a millisecond of Python, so one event loop per core is enough; a build
(a new member's first request) runs in a thread, off the loop.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from planner.errors import PlanError
from planner.planfile import SUFFIX

MAX_HEADER_BYTES = 8 * 1024
"""The request line and headers together, for h11 (planner.server.app checks them again)."""


def serve(
    plans: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    base_url: str | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the plan file ``plans`` (or a folder's plan files) until SIGTERM or Ctrl-C; the
    requests in flight are finished first. Returns normally then."""
    import uvicorn

    from planner.server.app import CONFIG_ENV

    _check_plans(plans)
    if workers < 1:
        raise PlanError("expected 1 or more worker processes", where="--workers")
    address = f"http://{_url_host(host)}:{port}"
    public = (base_url or address).rstrip("/")
    if not public.startswith(("http://", "https://")):
        raise PlanError(
            f"expected the public address like https://runs.example.org, found {base_url!r}",
            where="--base-url",
        )
    _check_free(host, port)
    # With a public address given, each yoga event links to its routine card (/cards/...): an
    # address the server only guesses (its own) is not one a member's calendar can open.
    os.environ[CONFIG_ENV] = json.dumps(
        {"plans": str(plans.absolute()), "base_url": public, "cards": base_url is not None}
    )
    served = "the plans in" if plans.is_dir() else "the plan"
    echo(f"Serving {served} {plans} at {address}/ (public address {public}/); Ctrl-C stops.")
    # uvicorn raises the stopping signal again once it has shut down, under the handlers that
    # were there before it: these make that a normal return (exit 0).
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: None)
    uvicorn.run(
        "planner.server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="h11",
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        # Member URLs hold their settings: nothing about members is logged or kept.
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_level="info",
        timeout_graceful_shutdown=30,
        # Beyond this many connections at once, uvicorn answers 503 rather than queueing.
        limit_concurrency=1000,
    )


def _check_plans(plans: Path) -> None:
    if plans.is_dir():
        return
    if not plans.exists():
        raise PlanError("no such file or folder", where=str(plans))
    if plans.suffix.lower() != SUFFIX:
        raise PlanError(
            f"expected a plan file ({SUFFIX}, see 'planner init') or a folder of them",
            where=str(plans),
        )


def _check_free(host: str, port: int) -> None:
    """One clear line when the address is taken or not this machine's, before uvicorn starts
    (it would log a traceback-like error and exit 1)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise PlanError(f"can't listen on {host!r}: no such address", where="--host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise PlanError(
                f"can't listen on {host} port {port} ({err.strerror}); choose another --port",
                where="--port",
            ) from None


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


__all__ = ["serve"]
