"""The typed values that flow from the reader through the scheduler to the exporters."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from planner.errors import UnknownRoutine

if TYPE_CHECKING:
    from planner.figures import FigureFile


class Unit(StrEnum):
    MILES = "mi"
    KM = "km"

    @property
    def word(self) -> str:
        return "miles" if self is Unit.MILES else "km"


class Activity(StrEnum):
    """What a calendar event is; the value is what plan.csv and UIDs carry."""

    RUN = "run"
    LONG_RUN = "long_run"
    RACE = "race"
    PRE_RUN_ACTIVATION = "pre_run_activation"
    POST_RUN_RECOVERY = "post_run_recovery"
    LEGS_UP_THE_WALL = "legs_up_the_wall"
    BACKSIDE_STRENGTH = "backside_strength"
    BEDTIME_LEGS_UP_THE_WALL = "bedtime_legs_up_the_wall"

    @property
    def is_running(self) -> bool:
        return self in (Activity.RUN, Activity.LONG_RUN, Activity.RACE)


class Descriptions(StrEnum):
    """How much of each routine the calendar files carry in an event's description.

    A long plan's full descriptions would pass Google Calendar's 1 MB import limit, so the
    exporters fall back to a shorter style (see planner.export.ics.fit_descriptions).
    """

    FULL = "full"
    """Every pose with its steps and cautions, why the routine helps, and its source."""
    COMPACT = "compact"
    """The routine's aim and each pose on one line with its hold; where to find the steps."""
    BRIEF = "brief"
    """Only where to find the steps (the title already names the routine)."""


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys as used in the CSV's per-day columns and in --run-days; index = date.weekday()."""


@dataclass(frozen=True)
class Week:
    """One row of the mileage CSV, as the runner wrote it."""

    number: int
    line: int
    """The line of the source file this week came from (for error messages)."""
    distance: Decimal | None = None
    """The week's total; None when the per-day columns give the days instead."""
    long_run: Decimal | None = None
    runs: int | None = None
    notes: str = ""
    days: tuple[Decimal, ...] | None = None
    """Distance per weekday, Monday first, when the CSV has mon..sun columns."""

    @property
    def total(self) -> Decimal:
        if self.days is not None:
            return sum(self.days, Decimal(0))
        return self.distance if self.distance is not None else Decimal(0)


@dataclass(frozen=True)
class Mileage:
    """The whole mileage CSV: weeks 1..N in order, the last one race week."""

    source: str
    unit: Unit
    weeks: tuple[Week, ...]
    per_day: bool = False
    warnings: tuple[str, ...] = ()
    """Things the reader worked around (each names the file); the CLI prints them."""


@dataclass(frozen=True, kw_only=True)
class CalendarEvent:
    """One calendar event, as plan.ics writes it and as it is read back from one."""

    activity: Activity
    start: dt.datetime
    end: dt.datetime
    title: str
    description: str
    """Plain text for a calendar's event view: short lines, numbered steps."""
    days_before_race: int
    uid: str
    categories: tuple[str, ...]
    sequence: int = 0
    """Revision number for calendars that already hold this event (RFC 5545 SEQUENCE)."""
    cancelled: bool = False
    """Kept in the file as STATUS:CANCELLED so calendars drop an event a new build removed."""
    url: str = ""
    """A page about the event (a yoga session's routine card, where the cards are published)."""

    def description_for(self, style: Descriptions) -> str:
        """The description in ``style``: an event read back has only the one it was written
        with."""
        return self.description


@dataclass(frozen=True, kw_only=True)
class Session(CalendarEvent):
    """An event of a plan the scheduler built: with its week, its distance and its texts in
    every description style."""

    details: str
    """One line for spreadsheets."""
    week: int
    weeks_to_race: int
    distance: Decimal | None = None
    compact_description: str = ""
    """The description in the compact style; empty means the same as ``description``."""
    brief_description: str = ""
    """The description in the brief style; empty means the same as the compact one."""

    def description_for(self, style: Descriptions) -> str:
        if style is Descriptions.BRIEF and self.brief_description:
            return self.brief_description
        if style is not Descriptions.FULL and self.compact_description:
            return self.compact_description
        return self.description


@dataclass(frozen=True)
class PlanWeek:
    """A week of the built plan (for summaries and the printable overview). The weeks after
    race day, when the plan has recovery days, count ``weeks_to_race`` -1, -2."""

    number: int
    weeks_to_race: int
    first_day: dt.date
    last_day: dt.date
    distance: Decimal
    cutback: bool
    notes: str = ""


# The routines, as planner/routines.py reads them from templates/routines/*.toml.

TRANSITION_SECONDS = 15
"""Time allowed to move from one pose (or side) into the next."""


@dataclass(frozen=True)
class Source:
    title: str
    author: str
    site: str
    url: str = ""

    def credit(self) -> str:
        return f"{self.title}, {self.author} ({self.site})"


@dataclass(frozen=True)
class FormCue:
    """One running-form focus for a week, carried in that week's run events."""

    name: str
    cue: str
    why: str


@dataclass(frozen=True)
class Pose:
    name: str
    steps: tuple[str, ...]
    hold: str
    """How long or how often, as the runner reads it: "5-10 breaths", "20 reps"."""
    seconds: int
    """Time one side takes; the event's length is computed from this."""
    sides: int = 1
    """2 when the pose is done on each side in turn."""
    sanskrit: str = ""
    why: str = ""
    cautions: tuple[str, ...] = ()
    group: str = ""
    """Poses sharing a group are versions of one pose; a session uses one version per group."""
    level: int = 1
    """Difficulty of this version within its group (1 = easiest)."""
    variant: str = ""
    """A named variant (e.g. "gentle") that replaces the plain poses when asked for."""
    figure_name: str = ""
    """The file in templates/figures/ that pictures the pose; "" marks it text only."""
    figure: FigureFile | None = field(default=None, compare=False, repr=False)
    """The picture's file, found by load_routines (None for a text-only pose)."""


@dataclass(frozen=True)
class Routine:
    activity: Activity
    title: str
    summary: str
    why: str
    source: Source
    poses: tuple[Pose, ...]
    sets_by_level: tuple[int, ...] = (1,)
    """Sets of the whole sequence at each level (level 1 first)."""
    path: str = ""

    @property
    def levels(self) -> int:
        return max((p.level for p in self.poses), default=1)

    def poses_for(self, level: int = 1, variant: str = "") -> tuple[Pose, ...]:
        """The poses of one session: for each group the hardest version at or below ``level``.

        A variant (e.g. "gentle") replaces the plain poses of the groups it has versions for;
        a routine without that variant is done as usual.
        """
        swapped = {p.group for p in self.poses if variant and p.variant == variant}
        candidates = [
            p
            for p in self.poses
            if (variant and p.variant == variant) or (not p.variant and p.group not in swapped)
        ]
        chosen: list[Pose] = []
        seen_groups: set[str] = set()
        for pose in candidates:
            if not pose.group:
                chosen.append(pose)
                continue
            if pose.group in seen_groups:
                continue
            versions = [p for p in candidates if p.group == pose.group]
            fitting = [p for p in versions if p.level <= level] or [min(versions, key=_level)]
            chosen.append(max(fitting, key=_level))
            seen_groups.add(pose.group)
        return tuple(chosen)

    def sets_at(self, level: int) -> int:
        index = min(max(level, 1), len(self.sets_by_level)) - 1
        return self.sets_by_level[index]

    def minutes(self, level: int = 1, variant: str = "") -> int:
        """The session's length: every pose's hold on every side, every set, rounded up to 5."""
        poses = self.poses_for(level, variant)
        holds = sum(p.sides for p in poses) * self.sets_at(level)
        seconds = sum(p.seconds * p.sides for p in poses) * self.sets_at(level)
        seconds += TRANSITION_SECONDS * (holds - 1)  # moving between holds, not before the first
        return max(5, math.ceil(seconds / 300) * 5)


def _level(pose: Pose) -> int:
    return pose.level


@dataclass(frozen=True)
class RoutineLibrary:
    routines: Mapping[Activity, Routine]
    folder: str = ""
    form_cues: tuple[FormCue, ...] = ()
    form_cues_source: Source | None = None

    def __getitem__(self, activity: Activity) -> Routine:
        try:
            return self.routines[activity]
        except KeyError:
            folder = Path(self.folder or "templates") / "routines"
            raise UnknownRoutine(
                "templates",
                f"no routine template for {activity.value!r};"
                f" add {folder / (activity.value + '.toml')}",
            ) from None

    def __contains__(self, activity: object) -> bool:
        return activity in self.routines


@dataclass(frozen=True)
class Adjustment:
    """A run that days away dropped, or a long run they moved within its week."""

    week: int
    activity: Activity
    day: dt.date
    distance: Decimal | None
    moved_to: dt.date | None = None
    """The day a long run moved to; None: dropped."""


@dataclass(frozen=True)
class RoutineUse:
    """One routine at one level, with the weeks whose sessions do it (for the printed plan)."""

    routine: Routine
    level: int
    variant: str
    weeks: tuple[int, ...]


@dataclass(frozen=True)
class ClockChange:
    """A session planned at a local time that the clocks skip or show twice that night.

    A skipped time means the time as far after the gap as it was into it (RFC 5545, 3.3.5:
    02:30 when New York's clocks go from 02:00 to 03:00 is 03:30); a time shown twice means
    its first pass. The build reports these so the runner knows why a session moved."""

    title: str
    planned: dt.datetime
    """The date and wall-clock time the options asked for (naive)."""
    start: dt.datetime
    """When the session starts, in the plan's zone."""
    shift: dt.timedelta
    """How far the clocks go forward (a skipped time) or back (a time shown twice)."""
    skipped: bool

    def __str__(self) -> str:
        minutes = int(self.shift.total_seconds() // 60)
        amount = f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
        when = f"{self.planned:%a %d %b %Y}: {self.title} at {self.planned:%H:%M}"
        if self.skipped:
            return (
                f"{when}, a time the clocks skip (they go forward {amount}):"
                f" starts at {self.start:%H:%M} instead"
            )
        return (
            f"{when}, a time the clocks show twice (they go back {amount}):"
            f" the first {self.planned:%H:%M} ({self.start:%Z})"
        )


@dataclass(frozen=True)
class Plan:
    name: str
    timezone: str
    unit: Unit
    race_date: dt.date
    weeks: tuple[PlanWeek, ...]
    sessions: tuple[CalendarEvent, ...]
    """The plan's events in time order: the Sessions the scheduler made, and after a rebuild
    the events of the previous plan.ics that the new plan dropped, kept as cancelled."""
    generated_at: dt.datetime
    """Used for DTSTAMP; comes from the caller's clock (or SOURCE_DATE_EPOCH)."""
    remind_minutes: int | None = None
    all_day: bool = False
    routine_uses: tuple[RoutineUse, ...] = field(default=())
    """Every routine and level the sessions use, in activity order, then level."""
    descriptions: Descriptions | None = None
    """The description style of the calendar files; None lets plan.ics's size decide."""
    recovery_days: int = 0
    """Days after race day that the plan goes on, with a recovery routine each."""
    adjustments: tuple[Adjustment, ...] = ()
    """The runs that days away dropped or moved, week by week (for the build's summary)."""
    clock_changes: tuple[ClockChange, ...] = ()
    """Sessions planned at a time the clocks skip or show twice, and where they went."""
    refresh_hours: int | None = None
    """How often a calendar subscribed to the plan should fetch it again; None: no hint."""

    @property
    def first_day(self) -> dt.date:
        # A plan read back from its .ics (planner reschedule) knows its events, not its weeks.
        if not self.weeks:
            return min((s.start.date() for s in self.sessions), default=self.race_date)
        return self.weeks[0].first_day

    @property
    def last_day(self) -> dt.date:
        return self.race_date + dt.timedelta(days=self.recovery_days)

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        """The first and last local day that any event touches, cancelled ones included:
        a regenerated plan keeps cancelled events that can lie outside its weeks, and the
        file's VTIMEZONE must cover them too."""
        days = [d for s in self.sessions for d in (s.start.date(), s.end.date())]
        return min([self.first_day, *days]), max([self.last_day, *days])
