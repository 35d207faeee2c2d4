"""The typed values that flow from the reader through the scheduler to the exporters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.routines import Routine


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


@dataclass(frozen=True)
class Session:
    """One calendar event."""

    activity: Activity
    start: dt.datetime
    end: dt.datetime
    title: str
    description: str
    """Plain text for a calendar's event view: short lines, numbered steps."""
    details: str
    """One line for spreadsheets."""
    week: int
    weeks_to_race: int
    days_before_race: int
    uid: str
    categories: tuple[str, ...]
    distance: Decimal | None = None
    sequence: int = 0
    """Revision number for calendars that already hold this event (RFC 5545 SEQUENCE)."""
    cancelled: bool = False
    """Kept in the file as STATUS:CANCELLED so calendars drop an event a new build removed."""
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
    """A week of the built plan (for summaries and the printable overview)."""

    number: int
    weeks_to_race: int
    first_day: dt.date
    last_day: dt.date
    distance: Decimal
    cutback: bool
    notes: str = ""


@dataclass(frozen=True)
class RoutineUse:
    """One routine at one level, with the weeks whose sessions do it (for the printed plan)."""

    routine: Routine
    level: int
    variant: str
    weeks: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    name: str
    timezone: str
    unit: Unit
    race_date: dt.date
    weeks: tuple[PlanWeek, ...]
    sessions: tuple[Session, ...]
    generated_at: dt.datetime
    """Used for DTSTAMP; comes from the caller's clock (or SOURCE_DATE_EPOCH)."""
    remind_minutes: int | None = None
    all_day: bool = False
    routine_uses: tuple[RoutineUse, ...] = field(default=())
    """Every routine and level the sessions use, in activity order, then level."""
    descriptions: Descriptions | None = None
    """The description style of the calendar files; None lets plan.ics's size decide."""
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
        return self.race_date

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        """The first and last local day that any event touches, cancelled ones included:
        a regenerated plan keeps cancelled events that can lie outside its weeks, and the
        file's VTIMEZONE must cover them too."""
        days = [d for s in self.sessions for d in (s.start.date(), s.end.date())]
        return min([self.first_day, *days]), max([self.last_day, *days])
