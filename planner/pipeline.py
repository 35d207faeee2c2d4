"""The build: one function from settings to files, for every face to call.

    read -> schedule -> choose the description style -> compare with the previous plan -> render

``build`` reads its inputs (the mileage CSV, the routine templates, the plan.ics a rebuild
replaces) and returns the files' bytes, the changes and the warnings; it writes nothing. The
faces (the command line, the club batch, the feed server, the CalDAV sync) parse their input
into Settings, call it, and write, serve or sync what it returns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from planner import schedule
from planner.errors import SettingError, mention
from planner.export import FORMATS
from planner.export.ics import to_ics as render_ics
from planner.mileage import read_mileage
from planner.model import Descriptions, Mileage, Plan, Session
from planner.options import Layer, Settings, layered, local_timezone
from planner.planfile import is_plan_file, read_plan_file
from planner.previous import PreviousPlan, read_previous
from planner.regenerate import Changes, reconcile, shift
from planner.routines import RoutineLibrary, load_routines
from planner.writer import check_targets

SIZE_BUDGET = 900_000
"""What plan.ics aims to stay within: a tenth below Google Calendar's 1 MB (IMPORT_LIMIT in
planner.export), as headroom for a limit that is only known roughly."""
_STYLES = (Descriptions.FULL, Descriptions.COMPACT, Descriptions.BRIEF)


@dataclass(frozen=True)
class Build:
    """What a build made; nothing of it is written yet."""

    settings: Settings
    plan: Plan
    """The new plan's own events, in the description style chosen for its calendar files."""
    written: Plan
    """What the calendar files hold: ``plan`` with SEQUENCEs set against the previous
    plan.ics, and that file's events the new plan dropped, kept as cancelled."""
    files: dict[str, bytes]
    """File name -> content, in the order of ``settings.format``."""
    changes: Changes | None
    """Against the previous plan.ics; None when there was none."""
    previous: PreviousPlan | None = None
    """The plan.ics this build replaces, as read."""
    warnings: tuple[str, ...] = ()
    """What the readers worked around (each names its file), for the face to show."""


def settings_for(source: Path, *layers: Layer, name: Callable[[str], str] = str) -> Settings:
    """The settings to build ``source`` (a mileage CSV, or a plan file naming one) with:
    planner's defaults, then the plan file, then ``layers`` (a member's settings, the command
    line), each over the ones before. Errors name a setting that no layer gives ``name(key)``
    (the face's own way: ``--pace`` on the command line)."""
    defaults = Layer(
        {"timezone": local_timezone(), "out": Path(f"{source.stem}-plan")},
        {},
    )
    if is_plan_file(source):
        base = read_plan_file(source).layer
    else:
        base = Layer({"mileage": source}, {"mileage": str(source)})
    return layered(base, *layers, name=name, defaults=defaults)


def build(
    settings: Settings,
    *,
    generated_at: dt.datetime,
    mileage: Mileage | None = None,
    routines: RoutineLibrary | None = None,
    previous: PreviousPlan | None = None,
    keep: Sequence[Path] = (),
) -> Build:
    """Build the plan ``settings`` describe, as files, against the plan.ics it replaces.

    ``mileage`` and ``routines`` may be given already read (a server reads them once); else
    they are read from ``settings.mileage`` and ``settings.templates``. The previous plan is
    ``previous``, else ``settings.out``'s plan.ics when the formats include ics. ``keep``
    names the input files, which no output may replace. Raises PlanError, with every setting
    named as ``settings.origins`` says.
    """
    try:
        return _build(settings, generated_at, mileage, routines, previous, keep)
    except SettingError as err:
        raise settings.words(err) from None


def _build(
    settings: Settings,
    generated_at: dt.datetime,
    mileage: Mileage | None,
    routines: RoutineLibrary | None,
    previous: PreviousPlan | None,
    keep: Sequence[Path],
) -> Build:
    if mileage is None:
        if settings.mileage is None:
            raise SettingError("mileage", "missing; name the weekly mileage CSV")
        mileage = read_mileage(settings.mileage, units=settings.units)
    if routines is None:
        routines = load_routines(settings.templates)
    plan = schedule.build_plan(mileage, settings, routines, generated_at)
    formats = settings.format
    first_ics: bytes | None = None
    if any(FORMATS[name].descriptions for name in formats):
        # Chosen once, before comparing with the previous file, so that the comparison sees
        # the text that is actually written.
        plan, first_ics = choose_descriptions(plan)
    if previous is None and settings.out is not None:
        # The inputs are never overwritten, even when one is named plan.csv in the out
        # folder: checked before the folder's plan.ics is read as the previous plan.
        check_targets(settings.out, (FORMATS[name].filename for name in formats), keep=keep)
        if "ics" in formats and (settings.out / "plan.ics").exists():
            previous = read_previous(settings.out / "plan.ics")
    written, changes = plan, None
    if previous is not None:
        written, changes = reconcile(plan, previous)
    files = {}
    for name in formats:
        format_ = FORMATS[name]
        if name == "ics" and first_ics is not None and written == plan:
            files[format_.filename] = first_ics  # nothing changed since it was rendered
        else:
            files[format_.filename] = format_.render(written)
    warnings = mileage.warnings + (previous.warnings if previous is not None else ())
    return Build(settings, plan, written, files, changes, previous, warnings)


def reschedule(
    plan_ics: Path, race_date: dt.date, *, out: Path | None, generated_at: dt.datetime
) -> Build:
    """An exported plan.ics moved to a new race date, without its mileage CSV: each event
    keeps its time of day, its length and its days before race day; a plan.ics already in
    ``out`` (default: the file's own folder) is the previous plan."""
    previous = read_previous(plan_ics, advice="rebuild the plan from its mileage CSV instead")
    folder = out if out is not None else plan_ics.parent
    target = folder / "plan.ics"
    if target.exists() and not target.samefile(plan_ics):
        there = read_previous(target)  # which also refuses a file planner didn't write
        if there.name != previous.name:
            raise SettingError(
                None,
                f"holds the plan {there.name!r}, not {previous.name!r}; choose another"
                f" {mention('out')} folder",
                where=str(target),
            )
    plan, changes = reconcile(shift(previous, race_date, generated_at), previous)
    settings = Settings(
        race_date=race_date,
        name=plan.name,
        timezone=plan.timezone,
        remind=plan.remind_minutes,
        all_day=plan.all_day,
        out=folder,
        format=("ics",),
    )
    return Build(
        settings, plan, plan, {"plan.ics": render_ics(plan)}, changes, previous, previous.warnings
    )


def choose_descriptions(plan: Plan) -> tuple[Plan, bytes]:
    """The plan with its description style fixed, and its plan.ics in that style.

    ``plan.descriptions`` when set, else the richest style whose plan.ics fits SIZE_BUDGET
    (the shortest when none does): Google Calendar imports files of up to about 1 MB, and a
    long plan's full descriptions (every pose's steps in every yoga event) would pass that.
    Every calendar file then carries the same text.
    """
    if plan.descriptions is not None:
        styled = with_descriptions(plan, plan.descriptions)
        return styled, render_ics(styled)
    for style in _STYLES[:-1]:
        # A style whose file can't be under the budget is skipped unrendered (the full style
        # of a long plan is several MB): then each plan is rendered once, whatever its length,
        # but for the few whose size lies close to the budget.
        if least_size(plan, style) > SIZE_BUDGET:
            continue
        styled = with_descriptions(plan, style)
        data = render_ics(styled)
        if len(data) <= SIZE_BUDGET:
            return styled, data
    styled = with_descriptions(plan, _STYLES[-1])
    return styled, render_ics(styled)


LEAST_EVENT_BYTES = 250
"""The fewest bytes an event takes in plan.ics besides its description's line: BEGIN and END,
UID, DTSTAMP, SEQUENCE, DTSTART, DTEND, SUMMARY, CATEGORIES and the three X-PLANNER lines."""
_FOLD = 75


def least_size(plan: Plan, style: Descriptions) -> int:
    """A size that plan.ics with descriptions in ``style`` can't be below: each description's
    line with its escapes (a backslash before each newline, comma, semicolon and backslash;
    a CRLF becomes the two bytes \\n) and the fewest folds it needs, and the fewest bytes of
    the rest of its event."""
    total = 0
    sizes: dict[str, int] = {}  # a routine's text recurs on every run day of its week
    for session in plan.sessions:
        text = session.description_for(style)
        size = sizes.get(text)
        if size is None:
            escapes = (
                text.count("\n") - text.count("\r\n") + text.count(",") + text.count(";")
            ) + text.count("\\")
            octets = len(text) if text.isascii() else len(text.encode("utf-8"))
            line = len("DESCRIPTION:") + octets + escapes
            size = sizes[text] = line + 3 * ((line - 1) // _FOLD) + 2
        total += size + LEAST_EVENT_BYTES
    return total


def with_descriptions(plan: Plan, style: Descriptions) -> Plan:
    """The plan whose sessions' description is the one in ``style``; in a shorter style,
    the sessions carry no other text."""
    if style is Descriptions.FULL:
        # Each session's description is already its full one: only the plan says so. (Making
        # every session again to drop its shorter texts costs 1.5 ms, a tenth of a club
        # member's build; the exporters read ``description`` alone.)
        return dataclasses.replace(plan, descriptions=style)
    sessions = tuple(
        dataclasses.replace(
            s, description=s.description_for(style), compact_description="", brief_description=""
        )
        if isinstance(s, Session) and (s.compact_description or s.brief_description)
        else s
        for s in plan.sessions
    )
    return dataclasses.replace(plan, sessions=sessions, descriptions=style)


def to_ics(plan: Plan) -> bytes:
    """The plan as iCalendar bytes, in ``plan.descriptions`` or else the style that fits
    (planner.to_ics)."""
    return choose_descriptions(plan)[1]


__all__ = [
    "SIZE_BUDGET",
    "Build",
    "build",
    "choose_descriptions",
    "reschedule",
    "settings_for",
    "to_ics",
    "with_descriptions",
]
