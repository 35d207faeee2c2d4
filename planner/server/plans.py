"""The plans a server publishes, each kept at its last good version, and the feeds built from
them.

Every request first looks at the plan files with ``os.stat`` (a few microseconds): a plan file
or mileage CSV edited, added or removed is read again before the request is answered, with no
restart. An edit that makes a plan invalid keeps the version before it in service, and the
plan carries the error for its page. A member's feed is a call to planner.build with the
member's settings over the plan file's, as ``planner build PLAN.toml --race-date ...`` makes
it; its bytes (and their gzip) are kept in a cache bounded in bytes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planner.cards import CARDS_FOLDER, library_cards
from planner.errors import PlanError, SettingError
from planner.members import MEMBER_KEYS, member_settings, read_member
from planner.mileage import read_mileage
from planner.model import Mileage, Plan
from planner.options import PUBLISHED_REFRESH_HOURS, Layer, Settings, stack
from planner.pipeline import Build, build, settings_for
from planner.planfile import SUFFIX
from planner.routines import RoutineLibrary, load_routines

log = logging.getLogger("planner.serve")

CACHE_BYTES = 64 * 1024 * 1024
"""What the feeds kept in memory may add up to (bodies and their gzip), whatever the number of
member URLs."""
GZIP_LEVEL = 4
MAX_QUERY = 1024
"""The longest query a member's settings need is about 300 characters."""
MAX_PARAMETERS = 2 * len(MEMBER_KEYS)

_SERVER_LAYER = Layer({"out": None}, {})
"""The server never reads a previous plan.ics: a feed is the plan itself (no cancelled events
kept, SEQUENCE 0), as a first ``planner build`` writes it."""
_MEDIA_TYPES = {
    "ics": "text/calendar; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def _bare(key: str) -> str:
    """How a URL names a setting: its parameter, the plan-file key itself."""
    return key


class BadRequest(PlanError):
    """A request whose parameters can't be used; the message is the one line to answer."""


@dataclass(frozen=True)
class Version:
    """One good reading of a plan file and what it names."""

    stem: str
    settings: Settings
    """The plan file's settings over planner's defaults, each named by its bare key."""
    mileage: Mileage
    routines: RoutineLibrary
    modified: dt.datetime
    """The last change of the plan file or its mileage CSV, in whole seconds: every feed's
    DTSTAMP and Last-Modified, so an unchanged plan gives the same bytes."""
    files: tuple[tuple[str, int, int, int], ...]
    """(path, mtime_ns, size, inode) of each file read, to notice the next edit."""

    @property
    def weeks(self) -> int:
        return len(self.mileage.weeks)


@dataclass
class Served:
    """A plan as the server knows it: its last good version and what is wrong with it now."""

    stem: str
    path: Path
    good: Version | None = None
    problem: str | None = None
    """One line saying what is wrong with the file as it is now (the last good version is
    served meanwhile); None when it reads well."""
    seen: tuple[tuple[str, int, int, int], ...] = ()
    """The files' stat when last read, good or not."""
    watch: tuple[Path, ...] = ()
    """The plan file and the mileage CSV it names, as last read."""


@dataclass(frozen=True)
class Feed:
    """One response body, ready to send again."""

    body: bytes
    gzipped: bytes
    etag: str
    """A strong validator (the body's hash); the gzip form appends "-gzip"."""
    modified: dt.datetime
    media_type: str
    refresh_hours: int

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped) + 200


class FeedCache:
    """Least recently used feeds, bounded by their bytes; thread-safe for the builder."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self.bytes = 0
        self._feeds: OrderedDict[tuple[object, ...], Feed] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._feeds)

    def get(self, key: tuple[object, ...]) -> Feed | None:
        with self._lock:
            feed = self._feeds.get(key)
            if feed is not None:
                self._feeds.move_to_end(key)
            return feed

    def put(self, key: tuple[object, ...], feed: Feed) -> None:
        if feed.size > self.limit:
            return
        with self._lock:
            old = self._feeds.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._feeds[key] = feed
            self.bytes += feed.size
            while self.bytes > self.limit:
                _, dropped = self._feeds.popitem(last=False)
                self.bytes -= dropped.size


class Catalogue:
    """The plan files in PLANS (one file, or a folder's *.toml), read again when they change."""

    def __init__(
        self, plans: Path, cache_bytes: int = CACHE_BYTES, *, cards_url: str | None = None
    ) -> None:
        self.cards_url = cards_url
        """Where the routine cards are served; None: the events link to none."""
        self._cards: dict[str, dict[str, bytes]] = {}
        """Templates folder -> its routines' cards, made on the first request for one."""
        self.root = plans if plans.is_dir() else plans.parent
        self.single = None if plans.is_dir() else plans
        self.cache = FeedCache(cache_bytes)
        self._plans: dict[str, Served] = {}
        self._listed: tuple[int, int] | None = None
        self._build_lock = threading.Lock()
        # Every plan read now (pandas imported with the first CSV), not in a first request.
        self.plans()

    # What is served -------------------------------------------------------------------------

    def plans(self) -> dict[str, Served]:
        """Every plan, each checked against its files now."""
        self._scan()
        for served in list(self._plans.values()):
            self._check(served)
        return dict(self._plans)

    def get(self, stem: str) -> Served | None:
        """The plan a URL names by its stem, checked against its files now; None when there is
        no such plan file (a name is only ever looked up, never made into a path)."""
        self._scan()
        served = self._plans.get(stem)
        if served is not None:
            self._check(served)
        return served

    def _scan(self) -> None:
        """Notice plan files added to or removed from the folder (its mtime changes)."""
        if self.single is not None:
            if not self._plans:
                self._plans[self.single.stem] = Served(self.single.stem, self.single)
            return
        try:
            info = self.root.stat()
        except OSError:
            self._plans.clear()
            self._listed = None
            return
        listed = (info.st_mtime_ns, info.st_ino)
        if listed == self._listed:
            return
        self._listed = listed
        found = {}
        try:
            for entry in os.scandir(self.root):
                name = entry.name
                if name.startswith(".") or not name.lower().endswith(SUFFIX):
                    continue
                if entry.is_file():
                    stem = name[: -len(SUFFIX)]
                    found[stem] = self._plans.get(stem) or Served(stem, self.root / name)
        except OSError as err:
            log.warning("%s: can't list the plans folder (%s)", self.root, err.strerror)
            return
        for stem in self._plans.keys() - found.keys():
            log.info("%s%s: removed; no longer served", stem, SUFFIX)
        self._plans = dict(sorted(found.items()))

    def _check(self, served: Served) -> None:
        now = tuple(_stat(p) for p in self._paths_of(served))
        if now == served.seen:
            return
        self._read(served)

    def _read(self, served: Served) -> None:
        try:
            version = self._version(served)
        except PlanError as err:
            served.problem = self.public(str(err))
            served.seen = tuple(_stat(p) for p in self._paths_of(served))
            still = "" if served.good is None else "; still serving the last good version"
            log.error("%s%s", served.problem, still)
            return
        except Exception:  # a bug must not take the plan's feeds down either
            log.exception("%s: reading it failed", served.path.name)
            served.problem = f"{served.path.name}: internal error (see the server's log)"
            served.seen = tuple(_stat(p) for p in self._paths_of(served))
            return
        if served.good is not None and served.good.files != version.files:
            log.info("%s: read again", served.path.name)
        if served.problem is not None and served.good is not None:
            log.info("%s: fixed; serving it again", served.path.name)
        served.good, served.problem, served.seen = version, None, version.files

    def _paths_of(self, served: Served) -> tuple[Path, ...]:
        return served.watch or (served.path,)

    def _version(self, served: Served) -> Version:
        before = _stat(served.path)
        settings = settings_for(served.path, _SERVER_LAYER, name=_bare)
        assert settings.mileage is not None  # a plan file names its CSV
        served.watch = (served.path, settings.mileage)
        files = (before, _stat(settings.mileage))  # before reading: an edit meanwhile shows
        mileage = read_mileage(settings.mileage, units=settings.units)
        routines = load_routines(settings.templates)
        stamp = max(info[1] for info in files) // 1_000_000_000
        version = Version(
            served.stem,
            settings,
            mileage,
            routines,
            dt.datetime.fromtimestamp(stamp, dt.UTC),
            files,
        )
        if settings.race_date is not None:
            # The plan's own feed, built now: an edit that breaks it (run days that can't
            # hold the week's runs) is refused here, not in a member's request.
            self.build(version, "ics", {})
        return version

    def public(self, message: str) -> str:
        """An error as a page or the log may show it: paths inside PLANS relative to it, other
        files by their name only, so no response shows where the server keeps its files."""
        message = message.replace(f"{self.root}{os.sep}", "")
        return _FOLDERS.sub("", message)

    # Feeds ----------------------------------------------------------------------------------

    def member(self, version: Version, query: Mapping[str, str]) -> Settings:
        """A member's settings over the plan's, from URL parameters; BadRequest names the
        parameter by its bare key, in the words the command line uses for its option."""
        try:
            member = read_member(query, _bare)
            settings = member_settings(version.settings, member)
        except PlanError as err:
            raise BadRequest(str(err)) from None
        if settings.race_date is None:
            raise BadRequest("race_date: missing; choose your race date (YYYY-MM-DD)")
        if settings.refresh_hours is None:
            settings = stack(settings, Layer({"refresh_hours": PUBLISHED_REFRESH_HOURS}, {}))
        if self.cards_url is not None:
            settings = stack(settings, Layer({"cards_url": self.cards_url}, {}))
        return settings

    def card(self, name: str) -> bytes | None:
        """The routine card called ``name`` (as planner.cards names them) of a routine that a
        served plan uses, at any of its levels, plain or gentle; None for any other name."""
        path = f"{CARDS_FOLDER}/{name}"
        for served in self.plans().values():
            if served.good is not None:
                routines = served.good.routines
                if routines.folder not in self._cards:
                    self._cards[routines.folder] = library_cards(routines)
                card = self._cards[routines.folder].get(path)
                if card is not None:
                    return card
        return None

    def plan(self, version: Version, query: Mapping[str, str]) -> Plan:
        """The member's plan (for their page), as its calendar holds it."""
        settings = self.member(version, query)
        return self._built(version, stack(settings, Layer({"format": ("ics",)}, {}))).written

    def feed(self, version: Version, kind: str, query: Mapping[str, str], raw: str) -> Feed:
        """The body of ``/<plan>.<kind>?<raw>``, from the cache or built now."""
        key = (version.stem, version.files, kind, raw)
        feed = self.cache.get(key)
        if feed is None:
            feed = self.build(version, kind, query)
            self.cache.put(key, feed)
        return feed

    def build(self, version: Version, kind: str, query: Mapping[str, str]) -> Feed:
        settings = self.member(version, query)
        built = self._built(version, stack(settings, Layer({"format": (kind,)}, {})))
        (body,) = built.files.values()
        # mtime=0 keeps the gzip bytes a function of the body alone, so their hash (a twentieth
        # of the bytes to hash) identifies the body too. Level 4: a fifth faster than zlib's
        # default for a new member's feed, a fifth larger (about 30 KB for 16 weeks).
        gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        digest = hashlib.blake2b(gzipped, digest_size=12).hexdigest()
        assert settings.refresh_hours is not None
        return Feed(
            body, gzipped, digest, version.modified, _MEDIA_TYPES[kind], settings.refresh_hours
        )

    def _built(self, version: Version, settings: Settings) -> Build:
        try:
            with self._build_lock:  # the exporters' shared line memo is not for two at once
                return build(
                    settings,
                    generated_at=version.modified,
                    mileage=version.mileage,
                    routines=version.routines,
                )
        except SettingError as err:
            raise BadRequest(self.public(str(settings.words(err)))) from None
        except PlanError as err:
            raise BadRequest(self.public(str(err))) from None


_FOLDERS = re.compile(r"(?<![\w.~-])(?:/[^/\s'\"]+)*/(?=[^/\s'\"]+)")
"""The folders of an absolute path in a message (the file's name is kept)."""


def _stat(path: Path | str) -> tuple[str, int, int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (str(path), -1, -1, -1)
    return (str(path), info.st_mtime_ns, info.st_size, info.st_ino)
