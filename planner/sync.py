"""Write a built plan into a CalDAV calendar and keep it exact: what `planner sync` does.

Each event of plan.ics goes up as its own calendar object, named from its UID, with a
fingerprint of what planner wrote (X-PLANNER-HASH) inside. One listing of the calendar (a
REPORT of every event with its ETag) then says everything a sync needs:

- an event of the plan that the calendar lacks is created (PUT with If-None-Match: *);
- one whose fingerprint differs from the plan's is updated (PUT with If-Match: its ETag);
- one that carries this plan's X-PLANNER-PLAN but that the plan no longer holds, or holds
  cancelled, is removed (DELETE with If-Match);
- everything else is left alone, other plans' events and the runner's own included.

An event the runner edited in their calendar (its content no longer matches the fingerprint
planner stored in it) is kept as they edited it and reported, whatever the plan says: they
changed it on purpose, and deleting it in the calendar brings planner's version back at the
next sync.

Every write is one idempotent request to a name that depends only on the UID, so a sync cut
off at any point leaves a calendar that the next sync completes, without duplicates.

No click here: the command line (planner.cli) finds the password, calls ``connect``,
``find_calendar`` and ``sync``, and words the errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import queue
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from planner.errors import PlanError
from planner.files import read_input
from planner.previous import MOST_BYTES, parse_calendars, parse_previous

if TYPE_CHECKING:
    from caldav.davclient import DAVClient

PARALLEL_WRITES = 4
"""Requests in flight at once. A server far away answers each in tens of milliseconds, so a
few at a time make a first sync several times faster; a local server gains nothing from more
(it writes one at a time), and more would look like a flood to a hosted one."""

PASSWORD_VARIABLE = "PLANNER_CALDAV_PASSWORD"
DEFAULT_TIMEOUT = 30.0
_LOCKED_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
"""Seconds to wait before writing again after a 423 Locked."""

_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"
_LISTING = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
    "</C:comp-filter></C:filter></C:calendar-query>"
)
_ABOUT = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:displayname/></D:prop></D:propfind>'
)
_ICS = {"Content-Type": "text/calendar; charset=utf-8"}


class ServerError(Exception):
    """The server or the network failed: not something the runner typed (exit 1)."""


class SyncInterrupted(ServerError):
    """The sync stopped part-way (connection lost, timeout, Ctrl-C); the next sync finishes."""


# --- The plan's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedEvent:
    uid: str
    title: str
    start: dt.datetime
    cancelled: bool
    fingerprint: str
    """What planner writes in X-PLANNER-HASH: see ``fingerprint``."""
    body: bytes
    """The calendar object to PUT: the plan's VTIMEZONE and this one VEVENT."""


@dataclass(frozen=True)
class PlanEvents:
    name: str
    source: str
    events: tuple[PlannedEvent, ...]


def read_plan(path: Path) -> PlanEvents:
    """A built plan's events, from its folder or its plan.ics."""
    ics = path / "plan.ics" if path.is_dir() else path
    if path.is_dir() and not ics.exists():
        raise PlanError(
            "holds no plan.ics; build the plan into it first (planner build ... --out FOLDER)",
            where=str(path),
        )
    data = read_input(ics, MOST_BYTES, "a plan.ics file")  # never a pipe or a device
    return plan_events(data, str(ics))


def plan_events(data: bytes, source: str) -> PlanEvents:
    """Split a plan.ics into one calendar object per event (RFC 4791 5.3.2: one UID each,
    with the VTIMEZONE it uses), each carrying its fingerprint."""
    # Says clearly when it isn't a plan planner wrote, or one planner would not write.
    plan = parse_previous(data, source, advice="build the plan again with planner build")
    parsed = {str(event["UID"]): event for event in parse_calendars(data)[0].walk("VEVENT")}
    text = data.decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")  # planner writes CRLF already
    head, _, rest = text.partition("BEGIN:VEVENT\r\n")
    # A calendar object resource carries no METHOD (RFC 4791 4.1).
    head = re.sub(r"^METHOD:[^\r]*\r\n", "", head, flags=re.MULTILINE)
    blocks = {}
    for block in rest.split("BEGIN:VEVENT\r\n"):
        event, end, _ = block.partition("END:VEVENT\r\n")
        uid = re.search(r"^UID:(.*)$", event.replace("\r\n ", ""), re.MULTILINE)
        if end and uid is not None:
            blocks[uid[1].strip()] = event
    events = []
    for session in plan.events:
        if session.uid not in blocks or session.uid not in parsed:
            raise PlanError(f"event {session.uid} is not as planner writes it", where=source)
        mark = fingerprint(parsed[session.uid])
        # An event's own properties come before its reminders (RFC 5545 3.6.1).
        own, alarm, alarms = blocks[session.uid].partition("BEGIN:VALARM\r\n")
        event = f"{own}X-PLANNER-HASH:{mark}\r\n{alarm}{alarms}"
        body = f"{head}BEGIN:VEVENT\r\n{event}END:VEVENT\r\nEND:VCALENDAR\r\n"
        events.append(
            PlannedEvent(
                uid=session.uid,
                title=session.title,
                start=session.start,
                cancelled=session.cancelled,
                fingerprint=mark,
                body=body.encode("utf-8"),
            )
        )
    return PlanEvents(name=plan.name, source=source, events=tuple(events))


_FINGERPRINTED = (
    "UID",
    "STATUS",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "CATEGORIES",
    "X-PLANNER-PLAN",
    "X-PLANNER-ACTIVITY",
    "X-PLANNER-DAYS-BEFORE-RACE",
)


def fingerprint(event: Any) -> str:
    """A digest of what planner sets in an event, as values rather than bytes.

    Servers store events their own way (refolded, reordered, LF line ends, times in another
    spelling of the same zone) and calendar apps add their own properties (an alarm's
    acknowledgement, a travel-time hint), so the digest reads the values a runner sees and
    planner writes: times as instants, texts with plain newlines, and the reminders' triggers.
    SEQUENCE is left out: some apps raise it without changing anything a runner sees.
    """
    parts = [f"{name}={_value(event.get(name))}" for name in _FINGERPRINTED]
    parts += [f"TRIGGER={_value(alarm.get('TRIGGER'))}" for alarm in event.walk("VALARM")]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


def _value(prop: Any) -> str:
    if prop is None:
        return ""
    if isinstance(prop, list):  # a property given several times
        if all(hasattr(one, "cats") for one in prop):  # CATEGORIES:a,b read as a and b
            return ",".join(str(category) for one in prop for category in one.cats)
        return ";".join(_value(one) for one in prop)
    if hasattr(prop, "cats"):
        return ",".join(str(category) for category in prop.cats)
    moment = getattr(prop, "dt", None)
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).isoformat()
    if isinstance(moment, dt.date | dt.datetime | dt.timedelta):
        return str(moment)
    return str(prop).replace("\r\n", "\n").strip()


# --- The calendar's side -----------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    url: str
    name: str
    exists: bool = True
    """False in a dry run that would create it."""


@dataclass(frozen=True)
class HeldEvent:
    """One calendar object as the listing returned it."""

    href: str
    etag: str | None
    uid: str
    plan: str
    """Its X-PLANNER-PLAN; empty for events planner did not write."""
    stored: str
    """Its X-PLANNER-HASH: the fingerprint of what planner wrote; empty if none."""
    fingerprint: str
    """The fingerprint of what it holds now."""
    title: str
    start: dt.date | dt.datetime | None

    @property
    def edited(self) -> bool:
        return bool(self.stored) and self.stored != self.fingerprint


def connect(
    url: str,
    user: str | None,
    password: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    ca_bundle: Path | None = None,
) -> DAVClient:
    """A client for the server; TLS is always verified (against ``ca_bundle`` when given)."""
    from caldav.davclient import DAVClient

    return DAVClient(
        url=url,
        username=user,
        password=password,
        timeout=timeout,  # type: ignore[arg-type]  # niquests takes seconds as a float
        ssl_verify_cert=str(ca_bundle) if ca_bundle is not None else True,
        enable_rfc6764=False,  # the runner gives the address; no DNS guessing
        # Sent with the first request: asking without first costs a round trip, and some
        # servers (Radicale) hold back each 401 for a second. A server that wants another
        # scheme gets it at its first 401 (see find_calendar).
        auth_type="basic" if user is not None and password is not None else None,
    )


def find_calendar(client: DAVClient, url: str, name: str, *, create: bool) -> Calendar:
    """The calendar at ``url`` if it is one, else the one called ``name`` in the calendar
    home that ``url`` leads to, made when missing (unless ``create`` is False: a dry run)."""
    try:
        response = _request(client, url, "PROPFIND", _ABOUT, {"Depth": "0"})
    except PlanError as err:
        if err.where != "login" or client.auth_type != "basic":
            raise
        # Basic may be the wrong scheme (some servers take Digest only): let the caldav
        # library read the server's 401 and choose, as it does without auth_type.
        client.auth = client.auth_type = None
        response = _request(client, url, "PROPFIND", _ABOUT, {"Depth": "0"})
    if response.status == 404:
        raise PlanError(
            f"nothing at {url} (404 Not Found); give your server's CalDAV address",
            where="--url",
        )
    if response.status != 207 or response.tree is None:
        raise PlanError(
            f"{url} is not a CalDAV server (PROPFIND answered {_status(response)});"
            " give its CalDAV address",
            where="--url",
        )
    found = next(iter(_responses(response.tree)), None)
    if found is not None and found.find(f".//{_DAV}resourcetype/{_CALDAV}calendar") is not None:
        shown = found.findtext(f".//{_DAV}displayname") or name
        return Calendar(url=_folder(url), name=shown)
    from caldav.lib import error

    try:
        home = client.principal()  # type: ignore[no-untyped-call]
        calendars = home.calendars()
        for calendar in calendars:
            if (calendar.get_display_name() or "").strip().casefold() == name.casefold():
                return Calendar(url=_folder(str(calendar.url)), name=name)
        if not create:
            return Calendar(url=_folder(str(home.url)), name=name, exists=False)
    except error.AuthorizationError as err:
        raise _refused(err, name) from None
    except error.DAVError as err:
        detail = f"answered {err.status}" if err.status else type(err).__name__
        raise PlanError(
            f"found no calendars for this user from {url} ({detail}); give your server's"
            " CalDAV address or one calendar's own address",
            where="--url",
        ) from None
    except Exception as err:  # the network, as in _request
        raise _network_error(err, url, client) from None
    try:
        made = home.make_calendar(name=name)
    except (error.AuthorizationError, error.MkcalendarError) as err:
        reason = "403 Forbidden" if err.status == 403 else err.reason
        raise PlanError(
            f"the server would not create a calendar named {name!r} ({reason}); create it in"
            " your calendar app, then sync again",
            where="--calendar",
        ) from None
    except Exception as err:
        raise _network_error(err, url, client) from None
    return Calendar(url=_folder(str(made.url)), name=name)


def list_calendar(client: DAVClient, calendar: Calendar) -> list[HeldEvent]:
    """Every event in the calendar, in one REPORT: what a sync compares the plan with."""
    if not calendar.exists:
        return []
    response = _request(client, calendar.url, "REPORT", _LISTING, {"Depth": "1"})
    if response.status != 207 or response.tree is None:
        raise ServerError(f"listing {calendar.url} failed: {_status(response)}")
    listed = []
    for item in _responses(response.tree):
        data = item.findtext(f".//{_CALDAV}calendar-data")
        href = item.findtext(f"{_DAV}href")
        if data and href:
            listed.append((urljoin(calendar.url, href), item.findtext(f".//{_DAV}getetag"), data))
    # planner writes X-PLANNER-PLAN and an @planner UID in every event: the others need no
    # parsing. Planner's are parsed in one go, so that the lines their events share (most of
    # them: descriptions, categories, the zone) are parsed once (planner.previous).
    ours, others = [], []
    for href, etag, data in listed:
        if "X-PLANNER-" in data or "@planner" in data:
            ours.append((href, etag, data))
        else:
            others.append(HeldEvent(href, etag, "", "", "", "", "", None))
    whole = "".join(_crlf(data) for _, _, data in ours)
    try:
        calendars = parse_calendars(whole.encode("utf-8"))
    except ValueError:
        calendars = []
    if len(calendars) != len(ours):
        # Something in one object that icalendar can't read: read them one by one, and
        # leave out what can't be read (it is not planner's, so it stays as it is).
        calendars = [_parsed_or_none(_crlf(data)) for _, _, data in ours]
    held = [
        _held(href, etag, calendar)
        for (href, etag, _), calendar in zip(ours, calendars, strict=True)
        if calendar is not None and calendar.walk("VEVENT")
    ]
    return held + others


def _crlf(data: str) -> str:
    # XML turns the CRLF line ends of calendar data into LF.
    return data.replace("\r\n", "\n").replace("\n", "\r\n")


def _parsed_or_none(data: str) -> Any:
    try:
        calendars = parse_calendars(data.encode("utf-8"))
    except ValueError:
        return None
    return calendars[0] if len(calendars) == 1 else None


def _held(href: str, etag: str | None, calendar: Any) -> HeldEvent:
    event = calendar.walk("VEVENT")[0]  # one event (one UID) per object, RFC 4791 4.1
    start = event.get("DTSTART")
    return HeldEvent(
        href=href,
        etag=etag,
        uid=str(event.get("UID", "")),
        plan=str(event.get("X-PLANNER-PLAN", "")),
        stored=str(event.get("X-PLANNER-HASH", "")),
        fingerprint=fingerprint(event),
        title=str(event.get("SUMMARY", "")),
        start=start.dt if start is not None else None,
    )


# --- Comparing and writing ---------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    method: str
    """PUT or DELETE."""
    href: str
    headers: dict[str, str]
    body: bytes = b""
    kind: str = ""
    """created, updated or removed: where it counts in the summary."""


@dataclass
class Summary:
    calendar: Calendar
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    kept: list[HeldEvent] = field(default_factory=list)
    """Events the runner edited in their calendar, left as they are."""
    conflicts: list[str] = field(default_factory=list)
    """Objects that changed on the server during the sync (412): the next sync sees them."""
    writes: list[Write] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not self.writes


def compare(plan: PlanEvents, held: Sequence[HeldEvent], calendar: Calendar) -> Summary:
    """What a sync would do: the writes, and what it leaves."""
    summary = Summary(calendar)
    by_uid: dict[str, HeldEvent] = {}
    for one in held:
        if one.uid:
            by_uid.setdefault(one.uid, one)
    planned = {event.uid: event for event in plan.events}
    for event in plan.events:
        there = by_uid.get(event.uid)
        if event.cancelled:
            if there is not None and there.plan == plan.name:
                _remove(summary, there)
            elif there is not None:  # planner's marks gone: the runner's own copy now
                summary.kept.append(there)
            continue
        if there is None:
            summary.writes.append(
                Write("PUT", _href(calendar, event.uid), {**_ICS, "If-None-Match": "*"},
                      event.body, "created")
            )  # fmt: skip
        elif there.plan != plan.name or there.edited:
            # Carries the plan's UID but not planner's marks, or differs from what planner
            # wrote: the runner changed it. It stays as they made it.
            summary.kept.append(there)
        elif (there.stored or there.fingerprint) == event.fingerprint:
            summary.unchanged += 1
        else:
            summary.writes.append(
                Write("PUT", there.href, {**_ICS, **_if_match(there)}, event.body, "updated")
            )
    for one in held:
        # This plan's events that its plan.ics doesn't hold at all (built afresh elsewhere).
        if one.plan == plan.name and one.uid not in planned and by_uid[one.uid] is one:
            _remove(summary, one)
    return summary


def _remove(summary: Summary, event: HeldEvent) -> None:
    if event.edited:
        summary.kept.append(event)
    else:
        summary.writes.append(Write("DELETE", event.href, _if_match(event), kind="removed"))


def sync(
    client: DAVClient,
    plan: PlanEvents,
    calendar: Calendar,
    *,
    dry_run: bool = False,
    started: Callable[[int], None] | None = None,
    progress: Callable[[], None] | None = None,
) -> Summary:
    """Bring the calendar in line with the plan. ``started`` is told how many writes there
    are, ``progress`` is called after each; a dry run counts them and writes nothing."""
    summary = compare(plan, list_calendar(client, calendar), calendar)
    if dry_run:
        for write in summary.writes:
            _count(summary, write)
        return summary
    if started is not None:
        started(len(summary.writes))
    for write, outcome in _send(client, summary.writes):
        if outcome is None:
            _count(summary, write)
        else:
            summary.conflicts.append(outcome)
        if progress is not None:
            progress()
    return summary


def _count(summary: Summary, write: Write) -> None:
    setattr(summary, write.kind, getattr(summary, write.kind) + 1)


def _send(client: DAVClient, writes: Sequence[Write]) -> Iterator[tuple[Write, str | None]]:
    """Send the writes, a few at a time, yielding each as it completes (with the href of a
    conflict, else None). Stops at the first failure, and at Ctrl-C, sending nothing more.

    The senders are daemon threads: a runner who presses Ctrl-C, or a sync that failed, need
    not wait for the answers still on their way (at most PARALLEL_WRITES, each of which the
    next sync finds done or not done)."""
    writers = _Writers()
    for write in writes:
        writers.todo.put(write)
    senders = [
        threading.Thread(target=_sender, args=(client, writers), daemon=True, name="planner-sync")
        for _ in range(min(PARALLEL_WRITES, len(writes)))
    ]
    for sender in senders:
        sender.start()
    done = 0
    try:
        for _ in writes:
            write, outcome = writers.done.get()
            if isinstance(outcome, BaseException):
                raise outcome
            done += 1
            yield write, outcome
    except ServerError as err:
        raise SyncInterrupted(
            f"{err} ({done} of {len(writes)} changes confirmed; run planner sync again to finish)"
        ) from None
    finally:  # on Ctrl-C too: send nothing more
        writers.stop.set()


def _sender(client: DAVClient, writers: _Writers) -> None:
    while not writers.stop.is_set():
        try:
            write = writers.todo.get_nowait()
        except queue.Empty:
            return
        try:
            outcome: str | BaseException | None = _write(client, write, writers)
        except BaseException as err:  # handed to the main thread, which raises it
            outcome = err
        writers.done.put((write, outcome))


class _Writers:
    """What the threads that send the writes share."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        """Set when the sync fails or is interrupted: send nothing more."""
        self.one_at_a_time = threading.Event()
        """Set at the first 423 Locked: the server wants one write at a time."""
        self.turn = threading.Lock()
        self.todo: queue.SimpleQueue[Write] = queue.SimpleQueue()
        self.done: queue.SimpleQueue[tuple[Write, str | BaseException | None]] = queue.SimpleQueue()


def _write(client: DAVClient, write: Write, writers: _Writers) -> str | None:
    for pause in (*_LOCKED_RETRIES, None):
        if writers.stop.is_set():
            return None
        if writers.one_at_a_time.is_set():
            with writers.turn:
                response = _send_one(client, write)
        else:
            response = _send_one(client, write)
        if response.status != 423 or pause is None:
            break
        # Locked: another of our writes holds the calendar (Xandikos commits each write to
        # git and turns a concurrent one away). From now on the writes go one at a time, and
        # this one again: each write is safe to repeat.
        writers.one_at_a_time.set()
        time.sleep(pause)
    if response.status == 412:
        return write.href  # changed since the listing: the next sync sees it as it is now
    if write.method == "DELETE" and response.status == 404:
        return None  # already gone, as wanted
    if response.status >= 400:
        detail = _status(response)
        if 400 <= response.status < 500:
            hint = ""
            if write.kind == "created" and response.status in (400, 409):
                hint = (
                    "; if this event was in the calendar before, empty the calendar's trash bin"
                    " (Nextcloud keeps deleted events there) and sync again"
                )
            raise PlanError(
                f"the server refused to {_verb(write)} {unquote(write.href)} ({detail}){hint}",
                where="--calendar",
            )
        raise ServerError(f"the server failed to {_verb(write)} {unquote(write.href)} ({detail})")
    return None


def _send_one(client: DAVClient, write: Write) -> Any:
    return _request(
        client, write.href, write.method, write.body, write.headers, forbidden=_read_only
    )


def _read_only() -> PlanError:
    return PlanError(
        "the server does not let this user change events in this calendar (403 Forbidden);"
        " sync into a calendar of your own, or one shared with you to edit",
        where="--calendar",
    )


def _verb(write: Write) -> str:
    return {"created": "create", "updated": "update", "removed": "remove"}[write.kind]


# --- Requests and their failures ---------------------------------------------------------


def _request(
    client: DAVClient,
    url: str,
    method: str,
    body: str | bytes,
    headers: dict[str, str],
    *,
    forbidden: Callable[[], PlanError] | None = None,
) -> Any:
    """One request; the failures a runner can act on become PlanError (exit 2), the others
    ServerError (exit 1). ``forbidden`` is what a 403 means here."""
    from caldav.lib import error

    try:
        return client.request(url, method, body, headers)  # type: ignore[arg-type]
    except error.AuthorizationError as err:
        if forbidden is not None and err.status == 403:
            raise forbidden() from None
        raise _refused(err, "") from None
    except error.RateLimitError:
        raise ServerError(f"{_host(url)} asks to slow down (429); try again later") from None
    except Exception as err:
        raise _network_error(err, url, client) from None


def _refused(err: Any, calendar: str) -> Exception:
    if getattr(err, "status", None) == 403:
        if calendar:
            return PlanError(
                f"the server does not let this user look for calendar {calendar!r}"
                " (403 Forbidden); check the address and that the account is yours",
                where="--calendar",
            )
        return PlanError(
            f"the server does not let this user read {err.url} (403 Forbidden); check the"
            " address and that the calendar is yours",
            where="--url",
        )
    return PlanError(
        f"{_host(str(err.url or ''))} did not accept the user name and password (401);"
        " check --user and the password (an app-specific one for iCloud)",
        where="login",
    )


def _network_error(err: Exception, url: str, client: DAVClient) -> Exception:
    host = _host(url)
    chain = list(_causes(err))
    text = " ".join(f"{type(e).__name__} {e}" for e in chain)
    if any(isinstance(e, socket.gaierror) for e in chain) or re.search(
        r"NameResolution|Name or service not known|nodename nor servname|getaddrinfo", text
    ):
        return PlanError(f"no server named {host!r}; check the address", where="--url")
    if re.search(r"SSL|certificate|CERTIFICATE", text):
        reason = re.search(r"certificate verify failed: ([^()\]'\"]+)", text)
        why = f" ({reason[1].strip()})" if reason else ""
        if client.ssl_verify_cert is not True:
            return PlanError(
                f"{host}'s certificate is not signed by that certificate authority{why}",
                where="--ca-bundle",
            )
        return PlanError(
            f"{host}'s certificate is not trusted{why}; if the server uses a private"
            " certificate authority, pass its certificate with --ca-bundle FILE",
            where="--url",
        )
    if re.search(r"[Tt]imed? ?out|Timeout", text):
        return ServerError(
            f"{host} did not answer within {client.timeout:g} s; try again later, or raise"
            " --timeout"
        )
    if re.search(r"closed connection|[Rr]eset|[Aa]borted|[Bb]roken pipe|Disconnected", text):
        return ServerError(f"the connection to {host} broke off")
    if re.search(r"[Rr]efused", text):
        return ServerError(f"{host} refused the connection; check the server is up and the port")
    return ServerError(f"the connection to {host} failed ({type(err).__name__})")


def _causes(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [err]
    while todo:
        one = todo.pop()
        if id(one) in seen:
            continue
        seen.add(id(one))
        yield one
        todo += [e for e in (one.__cause__, one.__context__) if e is not None]
        todo += [a for a in one.args if isinstance(a, BaseException)]


def _responses(tree: Any) -> Iterable[Any]:
    return tree.iter(f"{_DAV}response")  # type: ignore[no-any-return]


def _status(response: Any) -> str:
    return f"{response.status} {response.reason}".strip()


def _folder(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _href(calendar: Calendar, uid: str) -> str:
    return calendar.url + quote(uid, safe="@") + ".ics"


def _if_match(event: HeldEvent) -> dict[str, str]:
    # A server that lists no ETag gets the write unconditionally.
    return {"If-Match": event.etag} if event.etag else {}


def _host(url: str) -> str:
    return urlsplit(url).netloc.rpartition("@")[2] or url


def server_url(given: str) -> tuple[str, str | None]:
    """The --url as the runner typed it, checked, without a user name (returned beside it);
    https:// when they gave only a host."""
    url = given.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  (reading it checks it)
    except ValueError:
        raise PlanError(
            f"{given!r} has a port that is not a number up to 65535", where="--url"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlanError(
            f"expected an https:// address such as https://caldav.icloud.com/, found {given!r}",
            where="--url",
        )
    if parts.password is not None:
        # Not echoed back: the address holds a password.
        raise PlanError(
            "holds a password; leave it out of the address and give it as the README's"
            " 'Sync into your own calendar' says (PLANNER_CALDAV_PASSWORD, keyring, ~/.netrc)",
            where="--url",
        )
    user = unquote(parts.username) if parts.username else None
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl(), user


def is_plain_http_elsewhere(url: str) -> bool:
    """An http:// address of another machine: the password and plan would cross unencrypted."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return True
