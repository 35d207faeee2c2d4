"""A real Radicale CalDAV server on 127.0.0.1 for the tests, and how to put a plan on it.

    with radicale_server(tmp_path) as server:
        calendar = server.make_calendar("plan")
        server.put_calendar(calendar, Path("plan.ics").read_bytes())   # one PUT per event
        items = server.read_calendar(calendar)                          # UID -> iCalendar text

The server is `python -m radicale` in a subprocess with its own config and storage folder,
no authentication (or htpasswd logins, TLS and a rights file when asked), on a free port; it
is stopped (and waited for) when the block ends. conftest.py offers one for the whole session
as the ``caldav_server`` fixture. ``xandikos_server`` runs Xandikos, a second CalDAV server,
the same way.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "runner"
START_TIMEOUT = 30.0
"""Seconds to wait for the server to answer; it starts in about one."""


@dataclass(frozen=True)
class RadicaleServer:
    url: str
    """http://127.0.0.1:PORT/ (with the trailing slash)."""
    folder: Path
    log: Path

    def _request(self, method: str, path: str, body: bytes = b"", **headers: str) -> int:
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=body or None,
            method=method,
            headers={"Authorization": _basic_auth(), **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status: int = response.status
        except urllib.error.HTTPError as err:
            raise AssertionError(
                f"{method} {path}: {err.code} {err.reason}: {err.read()[:500]!r}"
            ) from None
        return status

    def make_calendar(self, name: str) -> str:
        """Create the calendar /runner/NAME/ (MKCALENDAR) and return its URL."""
        path = f"{USER}/{name}/"
        self._request("MKCALENDAR", path)
        return self.url + path

    def put_calendar(self, calendar_url: str, data: bytes) -> list[int]:
        """PUT each event of an .ics as its own resource, UID.ics, as CalDAV requires
        (RFC 4791 5.3.2: one UID per resource, with the VTIMEZONEs it uses); the statuses."""
        path = calendar_url.removeprefix(self.url)
        return [
            self._request(
                "PUT",
                f"{path}{urllib.parse.quote(uid, safe='@')}.ics",
                item,
                **{"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
            )
            for uid, item in split_calendar(data).items()
        ]

    def read_calendar(self, calendar_url: str) -> dict[str, str]:
        """UID -> the text the server hands back, read with the caldav client library."""
        import caldav

        with caldav.DAVClient(url=self.url, username=USER, password=USER) as client:
            calendar = client.calendar(url=calendar_url)
            items = {}
            for event in calendar.events():
                component = event.icalendar_component
                items[str(component["UID"])] = str(event.data)
        return items


def split_calendar(data: bytes) -> dict[str, bytes]:
    """One VCALENDAR per VEVENT, byte for byte from ``data``: the calendar's own properties,
    every VTIMEZONE, then that event. Keyed by UID.

    METHOD is left out: a calendar object resource must not have one (RFC 4791 4.1)."""
    text = data.decode("utf-8")
    head, _, rest = text.partition("BEGIN:VEVENT\r\n")
    head = re.sub(r"^METHOD:[^\r]*\r\n", "", head, flags=re.MULTILINE)
    if not rest:
        return {}
    items = {}
    for block in ("BEGIN:VEVENT\r\n" + rest).split("BEGIN:VEVENT\r\n")[1:]:
        event, end, _ = block.partition("END:VEVENT\r\n")
        assert end, "VEVENT without END:VEVENT"
        uid = re.search(r"^UID:(.*)\r\n", event, re.MULTILINE)
        assert uid is not None, "VEVENT without UID"
        items[uid[1]] = (head + "BEGIN:VEVENT\r\n" + event + end + "END:VCALENDAR\r\n").encode()
    return items


@contextlib.contextmanager
def radicale_server(
    folder: Path,
    *,
    password: str | None = None,
    tls: tuple[Path, Path] | None = None,
    rights: str | None = None,
    more_users: dict[str, str] | None = None,
) -> Iterator[RadicaleServer]:
    """Run Radicale with storage in ``folder`` until the block ends.

    With ``password``, Radicale checks logins against an htpasswd file that holds USER with
    that password (as a real deployment does) instead of taking anyone; with ``tls`` (the
    certificate and key files, PEM), it serves https:// only; ``rights`` is the text of a
    Radicale rights file, instead of "each user owns and writes their own collections", and
    ``more_users`` more logins (name -> password) beside USER's."""
    folder.mkdir(parents=True, exist_ok=True)
    # Radicale fsyncs every write; in a RAM-backed folder that costs nothing, so the tests
    # take seconds however busy the disk is.
    shm = Path("/dev/shm")
    in_memory = shm.is_dir() and os.access(shm, os.W_OK)
    storage = Path(tempfile.mkdtemp(prefix="planner-radicale-", dir=shm)) if in_memory else None
    port = _free_port()
    config = folder / "config"
    auth = "type = none\n"
    if password is not None:
        users = folder / "users"
        logins = {USER: password, **(more_users or {})}
        users.write_text("".join(f"{u}:{p}\n" for u, p in logins.items()), encoding="utf-8")
        # delay: Radicale holds back each failed login a second by default, against guessing.
        auth = f"type = htpasswd\nhtpasswd_filename = {users}\nhtpasswd_encryption = plain\n"
        auth += "delay = 0\n"
    rights_config = "type = owner_write\n"
    if rights is not None:
        (folder / "rights").write_text(rights, encoding="utf-8")
        rights_config = f"type = from_file\nfile = {folder / 'rights'}\n"
    ssl = f"ssl = True\ncertificate = {tls[0]}\nkey = {tls[1]}\n" if tls else ""
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        f"{ssl}"
        "[auth]\n"
        f"{auth}"
        "[rights]\n"
        f"{rights_config}"
        "[storage]\n"
        f"filesystem_folder = {storage or folder / 'collections'}\n"
        "[web]\n"
        "type = none\n"
        "[logging]\n"
        "level = warning\n",
        encoding="utf-8",
    )
    log = folder / "radicale.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    scheme = "https" if tls else "http"
    server = RadicaleServer(f"{scheme}://127.0.0.1:{port}/", folder, log)
    try:
        if tls:
            _wait_for_port(port, process, log)
        else:
            _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if storage is not None:
            shutil.rmtree(storage, ignore_errors=True)


def _basic_auth() -> str:
    # Radicale with [auth] type = none takes any password; the user names the owner.
    return "Basic " + base64.b64encode(f"{USER}:{USER}".encode()).decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _wait_until_up(server: RadicaleServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"radicale exited with {process.returncode}:\n{server.log.read_text()[-2000:]}"
            )
        try:
            request = urllib.request.Request(
                server.url, method="OPTIONS", headers={"Authorization": _basic_auth()}
            )
            with urllib.request.urlopen(request, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError(f"radicale did not answer on {server.url} in {START_TIMEOUT:.0f} s")


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until something listens on the port (for servers that speak TLS only)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} in {START_TIMEOUT:.0f} s")


@dataclass(frozen=True)
class XandikosServer:
    url: str
    """http://127.0.0.1:PORT/; the user's calendars are under /user/calendars/."""
    folder: Path


@contextlib.contextmanager
def xandikos_server(folder: Path) -> Iterator[XandikosServer]:
    """Run Xandikos (a second CalDAV server, git-backed, with its own reading of the RFCs)
    with storage in ``folder`` until the block ends. It has no logins of its own (it expects a
    proxy in front for that), so any user name and password get in."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = folder / "xandikos.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "xandikos", "serve", "--directory", str(folder / "data"),
             "--defaults", "--listen-address", "127.0.0.1", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        _wait_for_port(port, process, log)
        yield XandikosServer(f"http://127.0.0.1:{port}/", folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
