"""`planner club`: every member's plan from one roster, as a folder to publish.

    roster row -> member settings over the plan file -> build (in worker processes)
    -> the member's folder, written all-or-nothing -> the club's pages

The roster is read with the mileage CSV's rules (planner.csvfile) and checked whole before any
work: every bad cell is one line naming the file, line and column. Each member's plan has its
own name ("<plan> - <member>"), so its UIDs are its own and stay the same across rebuilds, and
``planner.pipeline.build`` updates the member's folder as `planner build` updates one plan's.

With a base URL the folder is a site: every member's folder name carries a part derived from a
key the coach keeps outside it (``<roster stem>-club.key`` beside the roster), so nobody can
guess another member's feed, and the page listing every member is written outside the folder
unless the coach asks for it inside.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import hmac
import itertools
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from planner.cards import CARDS_FOLDER, library_cards
from planner.clubpage import (
    Links,
    MemberRow,
    club_page,
    load_text,
    member_links,
    member_page,
    relative_prefix,
)
from planner.csvfile import decode, header_names, numbered_lines, separator, split_rows
from planner.errors import InvalidOption, InvalidRow, PlanError, PlanErrors, SettingError
from planner.export import FORMATS
from planner.export.html import long_date
from planner.files import read_input
from planner.members import MEMBER_KEYS, Member, member_settings, read_member, scale_mileage
from planner.mileage import read_mileage
from planner.model import Activity, Mileage, Plan, Unit
from planner.options import PUBLISHED_REFRESH_HOURS, Layer, Settings, parse_name, stack
from planner.pipeline import build, settings_for
from planner.routines import RoutineLibrary, load_routines
from planner.writer import write_files

MAX_ROSTER_BYTES = 10_000_000
"""Some 100,000 rows: far more members than any club has."""
EXTRA_COLUMNS = ("scale", "mileage")
ROSTER_COLUMNS = ("name", *MEMBER_KEYS, *EXTRA_COLUMNS)
WRITERS = 4
"""Threads writing members' folders while the workers build the next ones."""
KEY_SUFFIX = "-club.key"
MEMBER_PAGE = "index.html"
CLUB_PAGE = "index.html"
GENERATOR = "planner club"
"""The pages' <meta name="generator">: how a rebuild knows a page in the folder is its own."""


@dataclass(frozen=True)
class RosterMember:
    """One roster row, read and checked."""

    name: str
    line: int
    member: Member
    slug: str
    """The readable part of the member's folder name."""


@dataclass(frozen=True)
class Roster:
    path: Path
    members: tuple[RosterMember, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    """Where the club's folder is published: member folders get a keyed part, pages get
    absolute links, feeds get refresh hints."""

    base_url: str
    """Ends with a slash."""
    key: bytes
    """The coach's key, which member folder names are made from (read_or_make_key)."""


@dataclass(frozen=True)
class MemberJob:
    """What a worker needs to build one member's plan."""

    index: int
    name: str
    folder: str
    base_url: str | None
    settings: Settings
    scale: Decimal | None
    """The member's load factor (the roster's ``scale``)."""


@dataclass(frozen=True)
class MemberBuilt:
    """A worker's answer for one member: the files' bytes, or the error that stopped it."""

    index: int
    files: Mapping[str, bytes]
    events: int
    changes: str | None
    warnings: tuple[str, ...]
    plan: Plan | None
    """The member's plan with its race as its only session (for the club page); None on
    error."""
    links: Links
    error: str | None = None


@dataclass(frozen=True)
class MemberReport:
    """One member's line of the summary, and their row on the club page."""

    name: str
    line: int
    folder: str
    settings: Settings
    events: int
    bytes: int
    changes: str | None
    plan: Plan | None
    links: Links
    scale: Decimal | None
    error: str | None = None


@dataclass(frozen=True)
class ClubResult:
    members: tuple[MemberReport, ...]
    left: tuple[str, ...]
    """Member folders in the out folder that no roster row names any more (kept as they are)."""
    pages: tuple[Path, ...]
    removed_pages: tuple[Path, ...]
    warnings: tuple[str, ...]
    seconds: float
    jobs: int
    key_created: Path | None = None
    cards: tuple[Path, ...] = ()
    """The routine cards published with the site (``--base-url``), which yoga events link to."""

    @property
    def events(self) -> int:
        return sum(m.events for m in self.members)

    @property
    def bytes(self) -> int:
        return sum(m.bytes for m in self.members)

    @property
    def failed(self) -> tuple[MemberReport, ...]:
        return tuple(m for m in self.members if m.error is not None)


# --- the roster ---------------------------------------------------------------------------


def read_roster(path: Path, plan: Settings) -> Roster:
    """Every row of the roster, checked against the plan's settings; raises PlanErrors with
    one error per bad row (and per bad cell in it), or InvalidRow for a file that is no CSV."""
    source = str(path)
    try:
        data = read_input(path, MAX_ROSTER_BYTES, "a CSV file", too_big="far more than a club")
    except PlanError as err:
        raise InvalidRow(source, None, None, err.message) from None
    text, warnings = decode(data, source)
    numbered = numbered_lines(text)
    if not numbered:
        raise InvalidRow(
            source, None, None, "is empty; expected a header line such as name,race_date"
        )
    header_line = numbered[0][0]
    rows = split_rows(numbered, separator(numbered[0][1]), source, example="name,race_date")
    columns = header_names(rows[0])
    _check_columns(columns, source, header_line)
    problems: list[PlanError] = []
    members: list[RosterMember] = []
    first_line: dict[str, int] = {}
    seen = _Cells(path.parent, plan.units)
    bad_rows = 0
    for (line, _), cells in zip(numbered[1:], rows[1:], strict=True):
        row = dict(zip(columns, cells, strict=True))
        found = _read_row(row, line, source, plan, seen)
        if isinstance(found, list):
            problems += found
            bad_rows += 1
            continue
        if found.slug in first_line:
            problems.append(
                InvalidRow(
                    source,
                    line,
                    "name",
                    f"{found.name!r} makes the member folder {found.slug!r}, as line"
                    f" {first_line[found.slug]} does; give each member a different name",
                )
            )
            bad_rows += 1
            continue
        first_line[found.slug] = line
        members.append(found)
    if problems:
        raise PlanErrors(
            problems,
            f"{bad_rows} bad row{'s' if bad_rows != 1 else ''}; fix them and run again"
            " (nothing was written)",
            where=source,
        )
    if not members:
        raise InvalidRow(
            source, header_line + 1, None, "no members after the header; add one row per member"
        )
    return Roster(path, tuple(members), tuple(warnings))


def _check_columns(columns: list[str], source: str, line: int) -> None:
    import difflib  # only when a column is wrong

    problems: list[PlanError] = []
    for index, column in enumerate(columns):
        if not column:
            problems.append(InvalidRow(source, line, None, "has an empty column name"))
        elif column in columns[:index]:
            problems.append(InvalidRow(source, line, column, "appears twice in the header"))
        elif column not in ROSTER_COLUMNS:
            close = difflib.get_close_matches(column.replace(" ", "_"), ROSTER_COLUMNS, n=1)
            hint = f"did you mean {close[0]}?" if close else "expected " + ", ".join(ROSTER_COLUMNS)
            problems.append(InvalidRow(source, line, column, f"not a roster column; {hint}"))
    if "name" not in columns:
        problems.append(
            InvalidRow(source, line, None, "has no 'name' column; the header should start name,")
        )
    if problems:
        raise PlanErrors(problems, "fix the header line and run again", where=source)


@dataclass
class _Cells:
    """What the rows before have shown: most of a club shares its zones, dates and paces, so
    each distinct cell is read once (a zone's check lists folders of the tz database)."""

    base: Path
    units: Unit | None
    read: dict[tuple[str, str], Member] = dataclasses.field(default_factory=dict)
    mileages: dict[Path, PlanError | None] = dataclasses.field(default_factory=dict)

    def member(self, key: str, text: str, cell: Callable[[str], str]) -> Member:
        """The cell alone as a member's settings; raises InvalidOption worded by ``cell``."""
        found = self.read.get((key, text))
        if found is None:
            found = read_member({key: text}, cell, extra=EXTRA_COLUMNS, base=self.base)
            self.read[(key, text)] = found
        return found

    def mileage_error(self, path: Path) -> PlanError | None:
        if path not in self.mileages:
            try:
                read_mileage(path, units=self.units)
                self.mileages[path] = None
            except PlanError as err:
                self.mileages[path] = err
        return self.mileages[path]


def _read_row(
    row: dict[str, str], line: int, source: str, plan: Settings, cells: _Cells
) -> RosterMember | list[PlanError]:
    """The member of one row, or every problem in it (each cell is read on its own)."""

    def cell(key: str) -> str:
        return f"{source}, line {line}, column {key}"

    problems: list[PlanError] = []
    name = ""
    try:
        name = parse_name(row.get("name", ""), "name")
    except SettingError as err:
        problems.append(err.worded(cell))
    else:
        if not name:
            problems.append(InvalidOption(cell("name"), "is empty; give the member's name"))
    values: dict[str, object] = {}
    scale, mileage = None, None
    for key, text in row.items():
        if key == "name":
            continue
        try:
            alone = cells.member(key, text, cell)
        except PlanError as err:
            problems.append(err)
            continue
        values.update(alone.layer.values)
        scale = alone.scale if alone.scale is not None else scale
        if alone.mileage is not None:
            mileage = alone.mileage
            if (error := cells.mileage_error(alone.mileage)) is not None:
                problems.append(InvalidOption(cell("mileage"), str(error)))
    if plan.race_date is None and "race_date" not in values:
        problems.append(
            InvalidOption(
                cell("race_date"),
                "is empty and the plan file has no race_date; give the member's race day"
                " as YYYY-MM-DD",
            )
        )
    if problems:
        return problems
    member = Member(Layer(values, {key: cell(key) for key in values}), scale, mileage)
    return RosterMember(name, line, member, folder_slug(name))


def folder_slug(name: str) -> str:
    """A member's name as a folder name that any web host serves as it is: "José Núñez" ->
    jose-nunez."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
    if not slug:  # a name in another script: its own digest, stable and unique to it
        slug = "member-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return slug


def member_folder(member: RosterMember, site: Site | None) -> str:
    """The member's folder; on a site, with a part only the coach's key can make."""
    if site is None:
        return member.slug
    digest = hmac.new(site.key, member.name.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{member.slug}-{digest[:16]}"


# --- the site's key and URL ---------------------------------------------------------------


def key_path(roster: Path) -> Path:
    return roster.with_name(roster.stem + KEY_SUFFIX)


def read_or_make_key(path: Path, out: Path, *, create: bool) -> tuple[bytes, bool]:
    """The coach's key (and whether it was made now): kept beside the roster, never inside the
    published folder; losing it changes every member's address."""
    if _inside(path, out):
        raise PlanError(
            f"the club's key would be inside the published folder {out}; keep the roster"
            " outside it, or choose another --out",
            where=str(path),
        )
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = ""
        if not create:
            return secrets.token_bytes(32), True
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as err:
            raise PlanError(
                f"can't create the club's key ({err.strerror})", where=str(path)
            ) from None
        new = secrets.token_hex(32)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(new + "\n")
        return bytes.fromhex(new), True
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not text"
        raise PlanError(f"can't read the club's key ({reason})", where=str(path)) from None
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise PlanError(
            "is not a key planner made (64 hex digits); put back the file you kept, or delete it"
            " to make a new one (every member's address then changes)",
            where=str(path),
        )
    return bytes.fromhex(text), False


def parse_base_url(text: str) -> str:
    """The site's address, ending with a slash."""
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise PlanError(
            f"expected the address the folder is published at, like"
            f" https://coach.github.io/club/, found {text!r}",
            where="--base-url",
        )
    return url if url.endswith("/") else url + "/"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# --- building -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClubPlan:
    """The plan file's settings and what they read, as each worker process holds them."""

    settings: Settings
    generated_at: dt.datetime
    keep: tuple[Path, ...]


@dataclass
class _Worker:
    """What a worker process reads once and builds every member it is given with."""

    club: ClubPlan
    mileage: Mileage
    routines: RoutineLibrary
    mileages: dict[Path, Mileage] = dataclasses.field(default_factory=dict)
    """Members' own mileage files, by path."""

    def mileage_for(self, settings: Settings) -> Mileage:
        path = settings.mileage
        if path is None or path == self.club.settings.mileage:
            return self.mileage
        if path not in self.mileages:
            self.mileages[path] = read_mileage(path, units=settings.units)
        return self.mileages[path]


_workers: list[_Worker] = []
"""This process's worker, once _start_worker has run in it."""


def _start_worker(club: ClubPlan) -> None:
    assert club.settings.mileage is not None
    mileage = read_mileage(club.settings.mileage, units=club.settings.units)
    _workers[:] = [_Worker(club, mileage, load_routines(club.settings.templates))]


def _build_members(jobs: Sequence[MemberJob]) -> list[MemberBuilt]:
    return [_build_member(job) for job in jobs]


def _build_member(job: MemberJob) -> MemberBuilt:
    worker = _workers[0]
    club = worker.club
    settings = job.settings
    try:
        mileage = worker.mileage_for(settings)
        if job.scale is not None:
            race = _race_floor(settings, mileage)
            mileage = scale_mileage(mileage, job.scale, race)
        built = build(
            settings,
            generated_at=club.generated_at,
            mileage=mileage,
            routines=worker.routines,
            keep=club.keep,
        )
    except PlanError as err:
        return MemberBuilt(job.index, {}, 0, None, (), None, Links(()), str(err))
    links = member_links(job.folder, settings.format, job.base_url)
    files = built.files
    plan = dataclasses.replace(
        built.plan,
        sessions=tuple(s for s in built.plan.sessions if s.activity is Activity.RACE),
        routine_uses=(),
    )
    if job.base_url is not None:
        page = member_page(job.name, plan, links, club.generated_at)
        files = {**files, MEMBER_PAGE: page}
    return MemberBuilt(
        job.index,
        files,
        len(built.plan.sessions),
        str(built.changes) if built.changes is not None else None,
        built.warnings,
        plan,
        links,
    )


def _race_floor(settings: Settings, mileage: Mileage) -> Decimal | None:
    """The race's own distance, which a lighter load keeps (None: race week's long run)."""
    from planner.schedule import parse_race_distance

    if settings.race_distance is None:
        return None
    try:
        return parse_race_distance(settings.race_distance, mileage.unit)
    except SettingError as err:
        raise settings.words(err) from None


def build_club(
    roster: Roster,
    plan: Settings,
    *,
    out: Path,
    site: Site | None,
    generated_at: dt.datetime,
    jobs: int,
    dry_run: bool = False,
    public_index: bool = False,
    keep: Sequence[Path] = (),
    on_member: Callable[[MemberReport], None] = lambda report: None,
) -> ClubResult:
    """Build and write every member's plan, then the club's pages.

    Each member's files are written all-or-nothing as their build arrives; a member whose plan
    can't be built is reported and their folder left as it was. ``on_member`` hears of each
    member as they are done (for a progress bar).
    """
    started = time.perf_counter()
    folders = [member_folder(m, site) for m in roster.members]
    member_jobs = [
        MemberJob(
            index,
            m.name,
            folder,
            site.base_url if site is not None else None,
            _settings_for_member(plan, m, roster.path, out / folder, site),
            m.member.scale,
        )
        for index, (m, folder) in enumerate(zip(roster.members, folders, strict=True))
    ]
    club = ClubPlan(plan, generated_at, tuple(keep))
    reports: list[MemberReport | None] = [None] * len(member_jobs)
    warnings: list[str] = list(roster.warnings)
    jobs = max(1, min(jobs, len(member_jobs)))

    def write(built: MemberBuilt) -> MemberReport:
        m, job = roster.members[built.index], member_jobs[built.index]
        error = built.error
        if error is None and not dry_run:
            try:
                write_files(out / job.folder, built.files, keep=keep)
            except SettingError as err:
                error = str(job.settings.words(err))
        return MemberReport(
            m.name,
            m.line,
            job.folder,
            job.settings,
            built.events if error is None else 0,
            sum(len(content) for content in built.files.values()) if error is None else 0,
            built.changes,
            built.plan,
            built.links,
            m.member.scale,
            error,
        )

    # Writing is mostly waiting for the disk (each file is synced): a few threads write while
    # the workers build, each member's folder all-or-nothing.
    with concurrent.futures.ThreadPoolExecutor(max_workers=WRITERS) as writers:
        writing: list[concurrent.futures.Future[MemberReport]] = []

        def finish(future: concurrent.futures.Future[MemberReport]) -> None:
            report = future.result()
            reports[member_index[report.folder]] = report
            on_member(report)

        member_index = {job.folder: job.index for job in member_jobs}
        for built in _run(member_jobs, club, jobs):
            for warning in built.warnings:
                if warning not in warnings:
                    warnings.append(warning)
            writing.append(writers.submit(write, built))
            while len(writing) > WRITERS * 4:  # a few members' bytes wait, not the club's
                finish(writing.pop(0))
        for future in writing:
            finish(future)
    done = tuple(r for r in reports if r is not None)
    left = tuple(_left_folders(out, set(folders)))
    pages: list[Path] = []
    removed: list[Path] = []
    page = coach_page_path(out, site, public_index)
    content = _coach_page(plan, done, page, out, site, generated_at)
    if not dry_run:
        write_files(page.parent, {page.name: content}, keep=keep)
        if site is not None and not public_index:
            removed += _remove_own_page(out / CLUB_PAGE)
    pages.append(page)
    cards: dict[str, bytes] = {}
    if site is not None:
        # The routine cards the members' events link to: every level, plain and gentle.
        cards = library_cards(load_routines(plan.templates))
        if not dry_run:
            write_files(out / CARDS_FOLDER, {Path(p).name: c for p, c in cards.items()}, keep=keep)
    return ClubResult(
        done,
        left,
        tuple(pages),
        tuple(removed),
        tuple(warnings),
        time.perf_counter() - started,
        jobs,
        cards=tuple(out / path for path in cards),
    )


def coach_page_path(out: Path, site: Site | None, public_index: bool) -> Path:
    """The page of every member: in the folder, unless the folder is published and the coach
    didn't ask for it there (then beside it, as ``<folder>-members.html``)."""
    if site is None or public_index:
        return out / CLUB_PAGE
    return out.parent / f"{out.resolve().name}-members.html"


def _coach_page(
    plan: Settings,
    members: Sequence[MemberReport],
    page: Path,
    out: Path,
    site: Site | None,
    generated_at: dt.datetime,
) -> bytes:
    # The chart shows the plan's own weeks: a member on its full load and its mileage.
    reference = next(
        (
            m.plan
            for m in members
            if m.plan is not None and m.scale is None and m.settings.mileage == plan.mileage
        ),
        next((m.plan for m in members if m.plan is not None), None),
    )
    prefix = relative_prefix(page, out)
    rows = []
    for member in members:
        links = member.links
        if site is None:  # relative to where the page is
            links = member_links(member.folder, member.settings.format, None, prefix=prefix)
        settings = member.settings
        race = settings.race_date
        rows.append(
            MemberRow(
                name=member.name,
                folder=member.folder,
                race_date=long_date(race) if race is not None else "",
                race_iso=race.isoformat() if race is not None else "",
                zone="all day" if settings.all_day else settings.timezone,
                load=load_text(member.scale),
                events=member.events,
                links=links,
                error=member.error or "",
            )
        )
    return club_page(
        _plan_name(plan), reference, rows, published=site is not None, generated_at=generated_at
    )


def _settings_for_member(
    plan: Settings, member: RosterMember, roster: Path, out: Path, site: Site | None
) -> Settings:
    """The plan's settings with the member's row over them, named after both, in their folder."""
    settings = member_settings(plan, member.member)
    # The member's name in the plan's name makes their UIDs their own (planner.schedule.plan_key)
    # and names their calendar in their app.
    values: dict[str, object] = {"name": f"{_plan_name(plan)} - {member.name}", "out": out}
    if site is not None:
        if settings.refresh_hours is None:  # the plan file's own hint, else the published one
            values["refresh_hours"] = PUBLISHED_REFRESH_HOURS
        # Each yoga event links to its routine card, published with the site (cards/).
        values["cards_url"] = f"{site.base_url.rstrip('/')}/{CARDS_FOLDER}"
    row = f"{roster}, line {member.line}, column name"
    return stack(settings, Layer(values, {"name": row}))


def _plan_name(plan: Settings) -> str:
    if plan.name is not None:
        return plan.name
    assert plan.mileage is not None
    return plan.mileage.stem


def _chunks(items: Sequence[MemberJob], size: int) -> Iterator[Sequence[MemberJob]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _run(member_jobs: Sequence[MemberJob], club: ClubPlan, jobs: int) -> Iterator[MemberBuilt]:
    """Each member's build, as it is done: in this process for one job, else in ``jobs``
    worker processes, each reading the plan's mileage and routines once."""
    # Read here first, so that a bad mileage CSV or routine template is one error rather than
    # a worker that fails to start.
    _start_worker(club)
    try:
        if jobs == 1:
            for job in member_jobs:
                yield _build_member(job)
        else:
            yield from _in_workers(member_jobs, club, jobs)
    finally:
        _workers.clear()


def _in_workers(
    member_jobs: Sequence[MemberJob], club: ClubPlan, jobs: int
) -> Iterator[MemberBuilt]:
    # Chunks of a few members each: few enough messages that passing them costs little,
    # small enough that the bytes waiting to be written stay a few members' worth.
    size = max(1, min(8, len(member_jobs) // (jobs * 4)))
    chunks = _chunks(member_jobs, size)
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(club,)
    ) as pool:
        waiting = {
            pool.submit(_build_members, chunk) for chunk in itertools.islice(chunks, jobs * 2)
        }
        while waiting:
            finished, waiting = concurrent.futures.wait(
                waiting, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in finished:
                for chunk in itertools.islice(chunks, 1):
                    waiting.add(pool.submit(_build_members, chunk))
                yield from future.result()


def _left_folders(out: Path, current: set[str]) -> Iterable[str]:
    """Folders in ``out`` that hold a member's plan but are no roster row's any more."""
    try:
        entries = sorted(os.scandir(out), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name in current or not entry.is_dir(follow_symlinks=False):
            continue
        if any((Path(entry.path) / f.filename).is_file() for f in FORMATS.values()):
            yield entry.name


def _remove_own_page(page: Path) -> list[Path]:
    """A club page a run without a site (or with --public-index) left in the folder: it lists
    every member, so it must not stay where it would be published."""
    try:
        head = page.read_bytes()[:2000]
    except OSError:
        return []
    if f'<meta name="generator" content="{GENERATOR}">'.encode() not in head:
        return []
    page.unlink()
    return [page]


def club_settings(plan_file: Path, given: Layer) -> Settings:
    """The plan file's settings with the command line's over them."""
    return settings_for(plan_file, given, name=lambda key: f"{plan_file}: {key}")


def member_mileages(roster: Roster) -> list[Path]:
    """The members' own mileage files, which no output may replace."""
    return sorted({m.member.mileage for m in roster.members if m.member.mileage is not None})


def check_formats(plan: Settings, *, published: bool) -> None:
    if published and "ics" not in plan.format:
        raise PlanError("a published club needs ics, which members subscribe to", where="--format")


__all__ = [
    "ClubResult",
    "MemberReport",
    "Roster",
    "Site",
    "build_club",
    "check_formats",
    "club_settings",
    "folder_slug",
    "key_path",
    "member_folder",
    "member_mileages",
    "parse_base_url",
    "read_or_make_key",
    "read_roster",
]
