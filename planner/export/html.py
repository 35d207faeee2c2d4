"""plan.html: the whole plan on one self-contained page, to print or to read on a phone.

Jinja2 renders ``templates/page/plan.html.j2`` (with its inline stylesheet) with autoescaping
on, so a plan name or a note can't inject markup. This module turns the Plan into plain rows
for the template: weeks of days holding the sessions, bars for the distance chart and the
routines with their poses, so the template holds only markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from planner.figures import render_svg
from planner.model import Activity, CalendarEvent, Plan, PlanWeek, RoutineUse
from planner.pages import page_environment
from planner.routines import Pose, Routine
from planner.schedule import format_distance

PAGE_TEMPLATE = "plan.html.j2"
"""In ``templates/page/``, beside the routines the plan is built from."""

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_WORDS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Named here rather than strftime'd so the page reads the same under any locale.

LEGEND_LABELS = {
    Activity.RUN: "Run",
    Activity.LONG_RUN: "Long run",
    Activity.RACE: "Race",
    Activity.PRE_RUN_ACTIVATION: "Pre-run activation",
    Activity.POST_RUN_RECOVERY: "Post-run recovery",
    Activity.LEGS_UP_THE_WALL: "Legs up the wall",
    Activity.BACKSIDE_STRENGTH: "Backside strength",
    Activity.BEDTIME_LEGS_UP_THE_WALL: "Bedtime legs up the wall",
}

NUMBER_AND_UNIT = re.compile(r"(\d) (?=(?:min|km|mi)\b)")
"""A space to make non-breaking, so "(5 min)" or "9 km" never splits across lines."""

# The distance chart's plot area, in percent of the SVG's height: bars grow up from the
# baseline, with room above them for the value and below for the week number.
CHART_TOP = Decimal(14)
CHART_BASELINE = Decimal(82)
CHART_BAR_SHARE = Decimal("0.64")
"""How much of its slot a bar fills; the rest is the gap between bars."""


@dataclass(frozen=True)
class Entry:
    """One session in a day cell: a run, or a yoga chip."""

    kind: str
    """The activity as a CSS class: pre-run-activation, long-run, race, ..."""
    title: str
    start: str
    end: str
    is_run: bool
    routine_anchor: str
    """The id of the routine's section at the end of the page ("" for runs)."""


@dataclass(frozen=True)
class Day:
    date: dt.date
    weekday: str
    label: str
    """The date as printed: 18 Apr."""
    entries: tuple[Entry, ...]
    race_day: bool


@dataclass(frozen=True)
class WeekRow:
    week: PlanWeek
    label: str
    """Weeks to race, as the runner counts them: 3 weeks to go, Race week."""
    distance: str
    days: tuple[Day, ...]


@dataclass(frozen=True)
class Bar:
    """One week's bar in the distance chart; positions in percent of the chart."""

    week: PlanWeek
    label: str
    value: str
    x: str
    width: str
    centre: str
    top: str
    height: str
    kind: str


@dataclass(frozen=True)
class Level:
    level: int
    weeks: str
    sets: int
    minutes: int
    poses: tuple[str, ...]


@dataclass(frozen=True)
class PoseRow:
    pose: Pose
    picture: str
    """The pose's figure as inline SVG markup ("" for a text-only pose)."""


@dataclass(frozen=True)
class RoutineSection:
    anchor: str
    routine: Routine
    levels: tuple[Level, ...]
    poses: tuple[PoseRow, ...]
    """Every pose done at any of the levels used, in the routine's order, with its figure."""


def to_html(plan: Plan) -> bytes:
    """The page as UTF-8 bytes (Plan -> bytes, like every exporter)."""
    environment = page_environment()
    page = environment.get_template(PAGE_TEMPLATE).render(**page_context(plan))
    return page.encode("utf-8")


def page_context(plan: Plan) -> dict[str, object]:
    """Everything the template shows, worked out from the plan."""
    sessions = [s for s in plan.sessions if not s.cancelled]
    rows = tuple(week_rows(plan, sessions))
    race = next((s for s in sessions if s.activity is Activity.RACE), None)
    kinds = {s.activity for s in sessions}
    return {
        "plan": plan,
        "unit": plan.unit.value,
        "rows": rows,
        "weekday_headers": tuple(
            (WEEKDAY_NAMES[day.date.weekday()], WEEKDAY_WORDS[day.date.weekday()])
            for day in rows[0].days
        )
        if rows
        else (),
        "race_title": race.title if race is not None else "Race day",
        "race_date": long_date(plan.race_date),
        "first_day": long_date(plan.first_day),
        "training_weeks": sum(1 for w in plan.weeks if w.weeks_to_race >= 0),
        "total_distance": format_distance(sum((w.distance for w in plan.weeks), Decimal(0))),
        "runs": sum(1 for s in sessions if s.activity.is_running),
        "yoga": sum(1 for s in sessions if not s.activity.is_running),
        "show_times": not plan.all_day,
        "bars": tuple(chart_bars([w for w in plan.weeks if w.weeks_to_race >= 0])),
        "largest_week": format_distance(max((w.distance for w in plan.weeks), default=Decimal(0))),
        "legend": tuple(
            (_css_name(activity), LEGEND_LABELS[activity], activity.is_running)
            for activity in Activity
            if activity in kinds
        ),
        "has_cutback": any(w.cutback for w in plan.weeks),
        "routines": tuple(routine_sections(plan.routine_uses)),
        "generated_on": plan.generated_at.date().isoformat(),
    }


def week_rows(plan: Plan, sessions: Sequence[CalendarEvent]) -> Iterable[WeekRow]:
    by_day: dict[dt.date, list[CalendarEvent]] = {}
    for session in sessions:
        by_day.setdefault(session.start.date(), []).append(session)
    for week in plan.weeks:
        days = []
        for offset in range(7):
            date = week.first_day + dt.timedelta(days=offset)
            entries = tuple(_entry(s) for s in sorted(by_day.get(date, []), key=_by_start))
            days.append(
                Day(
                    date=date,
                    weekday=WEEKDAY_NAMES[date.weekday()],
                    label=f"{date.day} {MONTH_NAMES[date.month - 1]}",
                    entries=entries,
                    race_day=date == plan.race_date,
                )
            )
        yield WeekRow(
            week=week,
            label=weeks_to_go(week.weeks_to_race),
            distance=f"{format_distance(week.distance)} {plan.unit.value}",
            days=tuple(days),
        )


def _by_start(session: CalendarEvent) -> tuple[dt.datetime, dt.datetime]:
    # As instants: in one zone, times compare by the wall clock, wrong across a clock change.
    return session.start.astimezone(dt.UTC), session.end.astimezone(dt.UTC)


def _entry(session: CalendarEvent) -> Entry:
    running = session.activity.is_running
    return Entry(
        kind=_css_name(session.activity),
        title=NUMBER_AND_UNIT.sub("\\1\u00a0", session.title),
        start=f"{session.start:%H:%M}",
        end=f"{session.end:%H:%M}",
        is_run=running,
        routine_anchor="" if running else routine_anchor(session.activity),
    )


def chart_bars(weeks: Sequence[PlanWeek]) -> Iterable[Bar]:
    largest = max((w.distance for w in weeks), default=Decimal(0))
    slot = Decimal(100) / max(len(weeks), 1)
    width = slot * CHART_BAR_SHARE
    plot = CHART_BASELINE - CHART_TOP
    for index, week in enumerate(weeks):
        height = plot * week.distance / largest if largest > 0 else Decimal(0)
        kind = "race" if week.weeks_to_race == 0 else "cutback" if week.cutback else "build"
        yield Bar(
            week=week,
            label="Race" if week.weeks_to_race == 0 else str(week.number),
            value=format_distance(week.distance),
            x=_percent(slot * index + (slot - width) / 2),
            width=_percent(width),
            centre=_percent(slot * index + slot / 2),
            top=_percent(CHART_BASELINE - height),
            height=_percent(height),
            kind=kind,
        )


def routine_sections(uses: Sequence[RoutineUse]) -> Iterable[RoutineSection]:
    """One section per routine, listing the levels used and every pose done at them."""
    by_activity: dict[Activity, list[RoutineUse]] = {}
    for use in uses:
        by_activity.setdefault(use.routine.activity, []).append(use)
    for activity, levels in by_activity.items():
        routine = levels[0].routine
        done: set[Pose] = set()
        rows = []
        for use in levels:
            poses = routine.poses_for(use.level, use.variant)
            done.update(poses)
            rows.append(
                Level(
                    level=use.level,
                    weeks=week_ranges(use.weeks),
                    sets=routine.sets_at(use.level),
                    minutes=routine.minutes(use.level, use.variant),
                    poses=tuple(p.name for p in poses),
                )
            )
        anchor = routine_anchor(activity)
        yield RoutineSection(
            anchor=anchor,
            routine=routine,
            levels=tuple(rows),
            poses=tuple(
                PoseRow(pose, pose_picture(pose, f"{anchor}-figure-{number}"))
                for number, pose in enumerate((p for p in routine.poses if p in done), start=1)
            ),
        )


def pose_picture(pose: Pose, id_prefix: str) -> str:
    """Inline SVG of the pose's figure, named after the pose; "" for a text-only pose."""
    return render_svg(pose.figure.load(), id_prefix, pose.name) if pose.figure is not None else ""


def routine_anchor(activity: Activity) -> str:
    return f"routine-{_css_name(activity)}"


def weeks_to_go(weeks: int) -> str:
    if weeks < 0:  # the days after the race, when the plan has recovery days
        return "Recovery" + (f" week {-weeks}" if weeks < -1 else "")
    if weeks == 0:
        return "Race week"
    return f"{weeks} week{'s' if weeks != 1 else ''} to go"


def week_ranges(weeks: Sequence[int]) -> str:
    """Week numbers as the runner reads them: "week 3", "weeks 1-4, 6 and 9-12"."""
    runs: list[list[int]] = []
    for week in sorted(weeks):
        if runs and week == runs[-1][-1] + 1:
            runs[-1].append(week)
        else:
            runs.append([week])
    parts = [f"{r[0]}" if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    single = len(weeks) == 1
    return f"week{'' if single else 's'} {text}"


def long_date(day: dt.date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _css_name(activity: Activity) -> str:
    return activity.value.replace("_", "-")


def _percent(value: Decimal) -> str:
    return f"{value:.2f}%"
