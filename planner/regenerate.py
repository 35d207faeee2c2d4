"""Regenerate a plan that calendars already hold, so that they update it in place.

Pure functions: the previous events come in already read (planner.previous), nothing here
touches a file or the clock. An event's identity is its UID (plan, activity and days before
race day), so comparing two builds is comparing events with the same UID:

- **moved**: the calendar shows it at another time (start or end, its zone, or all-day vs
  timed differ); **changed**: same time, other text (title, description, categories or the
  reminder). Both get SEQUENCE + 1, which is what tells a calendar that re-imports the file
  that this copy is newer (RFC 5545 3.8.7.4).
- **added**: a UID the previous file didn't have, at SEQUENCE 0.
- **cancelled**: a UID the new plan no longer has (a shorter plan, a dropped bedtime). It
  stays in the file with its last content as STATUS:CANCELLED and SEQUENCE + 1, so that
  subscribed calendars drop it and a re-import cancels it, until the event has ended (by
  the plan's clock, ``generated_at``); then it is left out, and not counted.
- **revived**: a cancelled UID that a later build brings back, at SEQUENCE + 1 again.
- **unchanged**: everything else keeps its SEQUENCE, including events that were already
  cancelled and stay so.

Every event of the result falls in exactly one of these, so the counts add up to the number
of events in the new file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from planner.errors import PlanError
from planner.model import CalendarEvent, Descriptions, Plan, Unit
from planner.previous import PreviousPlan


@dataclass(frozen=True)
class Changes:
    moved: int = 0
    changed: int = 0
    added: int = 0
    revived: int = 0
    cancelled: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        parts = [f"moved {self.moved}", f"changed {self.changed}", f"added {self.added}"]
        if self.revived:  # rare: only after a plan was shortened and then lengthened again
            parts.append(f"revived {self.revived}")
        parts += [f"cancelled {self.cancelled}", f"unchanged {self.unchanged}"]
        return ", ".join(parts)

    @property
    def total(self) -> int:
        return sum(dataclasses.astuple(self))


def reconcile(plan: Plan, previous: PreviousPlan) -> tuple[Plan, Changes]:
    """The new plan with SEQUENCEs set against the previous file, and the cancelled events
    of that file added; and what changed. Raises PlanError if ``previous`` is another plan."""
    if previous.name != plan.name:
        raise PlanError(
            f"holds the plan {previous.name!r}, not {plan.name!r}; choose another --out folder,"
            f" or name the plan {previous.name!r} to update it",
            where=previous.source,
        )
    before: dict[str, CalendarEvent] = {}
    for event in previous.events:
        # A file should hold each UID once; if it doesn't, the highest SEQUENCE is the one
        # calendars kept.
        if event.uid not in before or event.sequence > before[event.uid].sequence:
            before[event.uid] = event
    # Compare the text the file carries: the description in the plan's chosen style.
    style = plan.descriptions or Descriptions.FULL
    tally = {f.name: 0 for f in dataclasses.fields(Changes)}
    sessions: list[CalendarEvent] = []
    for new in plan.sessions:
        old = before.get(new.uid)
        if old is None:
            kind, sequence = "added", 0
        elif old.cancelled:
            kind, sequence = "revived", old.sequence + 1
        elif _when(plan.all_day, plan.timezone, new) != _when(
            previous.all_day, previous.timezone, old
        ):
            kind, sequence = "moved", old.sequence + 1
        elif _content(plan.remind_minutes, new, style) != _content(
            previous.remind_minutes, old, style
        ):
            kind, sequence = "changed", old.sequence + 1
        else:
            kind, sequence = "unchanged", old.sequence
        tally[kind] += 1
        sessions.append(dataclasses.replace(new, sequence=sequence, cancelled=False))
    kept = {s.uid for s in plan.sessions}
    for gone in before.values():
        # A cancelled event stays in the file until it has ended: until then a calendar
        # that re-imports or refreshes the file may still need to hear of it. After that
        # it is left out, so cancelled events don't pile up from build to build.
        if gone.uid in kept or gone.end < plan.generated_at:
            continue
        if gone.cancelled:
            tally["unchanged"] += 1
            sequence = gone.sequence
        else:
            tally["cancelled"] += 1
            sequence = gone.sequence + 1
        sessions.append(
            dataclasses.replace(
                _in_zone(gone, previous.all_day, plan), sequence=sequence, cancelled=True
            )
        )
    sessions.sort(key=_order)
    return dataclasses.replace(plan, sessions=tuple(sessions)), Changes(**tally)


def shift(previous: PreviousPlan, race_date: dt.date, generated_at: dt.datetime) -> Plan:
    """The active events of ``previous`` moved to a new race day: each keeps its days before
    race day, its local wall-clock start and its length. Cancelled events are left to
    ``reconcile``, which keeps them as they were."""
    sessions = []
    for old in previous.events:
        if old.cancelled:
            continue
        day = race_date - dt.timedelta(days=old.days_before_race)
        # The same wall-clock time, read as the scheduler reads it (a time the clocks skip
        # means the time as far after the gap), and the same length in real minutes.
        wall = dt.datetime.combine(day, old.start.replace(fold=0).timetz())
        zone = wall.tzinfo
        start = wall.astimezone(dt.UTC).astimezone(zone)
        length = old.end.astimezone(dt.UTC) - old.start.astimezone(dt.UTC)
        end = (start.astimezone(dt.UTC) + length).astimezone(zone)
        sessions.append(dataclasses.replace(old, start=start, end=end))
    sessions.sort(key=_order)
    return Plan(
        name=previous.name,
        timezone=previous.timezone or "UTC",
        # The .ics carries no unit and no weekly totals; only plan.csv would need them, and
        # reschedule writes plan.ics alone.
        unit=Unit.MILES,
        race_date=race_date,
        weeks=(),
        sessions=tuple(sessions),
        generated_at=generated_at,
        remind_minutes=previous.remind_minutes,
        all_day=previous.all_day,
    )


def _order(session: CalendarEvent) -> tuple[dt.datetime, dt.datetime, str]:
    return session.start.astimezone(dt.UTC), session.end.astimezone(dt.UTC), session.uid


def _when(all_day: bool, timezone: str | None, session: CalendarEvent) -> Hashable:
    """Where a calendar shows the event: the day of an all-day event, else start and end
    (aware, so compared as instants) and the zone they are written in."""
    if all_day:
        return ("all-day", session.start.date())
    # In UTC: two times in one zone compare by the wall clock, and one in the second pass of
    # a repeated hour compares unequal to every time in another zone.
    return ("timed", timezone, session.start.astimezone(dt.UTC), session.end.astimezone(dt.UTC))


def _content(remind_minutes: int | None, session: CalendarEvent, style: Descriptions) -> Hashable:
    description = session.description_for(style)
    return (session.title, description, session.categories, remind_minutes)


def _in_zone(session: CalendarEvent, was_all_day: bool, plan: Plan) -> CalendarEvent:
    """A kept (cancelled) event in the new plan's zone, so the file needs one VTIMEZONE."""
    if plan.all_day:
        return session  # the exporter writes the day only
    zone = ZoneInfo(plan.timezone)
    if was_all_day:
        start = dt.datetime.combine(session.start.date(), dt.time(), zone)
        return dataclasses.replace(session, start=start, end=start + dt.timedelta(days=1))
    return dataclasses.replace(
        session, start=session.start.astimezone(zone), end=session.end.astimezone(zone)
    )
