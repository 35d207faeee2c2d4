"""Build a plan: a pure function of the weeks, the race date, the options and the routines.

No files, no clock: the caller passes ``generated_at`` so the same inputs give the same plan.
The rules are documented in README.md ("How the plan is scheduled").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from planner.cards import card_path
from planner.errors import InvalidRow, SettingError, mention
from planner.model import (
    WEEKDAYS,
    Activity,
    Adjustment,
    ClockChange,
    Mileage,
    Plan,
    PlanWeek,
    RoutineUse,
    Session,
    Unit,
    Week,
)
from planner.options import (
    MAX_RECOVERY_DAYS,
    Settings,
    away_days,
    check_race_date,
    distance_problem,
    parse_name,
    shown,
    time_on,
)
from planner.options import PlanOptions as PlanOptions  # the name tests and users import
from planner.routines import (
    RoutineLibrary,
    render_brief,
    render_compact,
    render_description,
    render_details,
)

HALF = Decimal("0.5")
DEFAULT_RUNS = 4
DEFAULT_RUN_OFFSETS: dict[int, tuple[int, ...]] = {
    # Days before the long run for each number of runs a week: spread out, with the
    # shorter runs early in the week and a rest day where one fits.
    1: (0,),
    2: (4, 0),
    3: (5, 3, 0),
    4: (5, 3, 1, 0),
    5: (5, 4, 3, 1, 0),
    6: (6, 5, 4, 3, 1, 0),
    7: (6, 5, 4, 3, 2, 1, 0),
}
LONG_RUN_SHARE = Decimal("0.3")
REFUEL = dt.timedelta(minutes=30)
"""Time to eat and drink between the post-run recovery and legs up the wall."""
UNTIMED_RACE = dt.timedelta(minutes=60)
"""Length of a race whose distance isn't known."""
MAX_STRENGTH_PER_WEEK = 2
RACE_DISTANCES: dict[str, dict[Unit, Decimal]] = {
    "5k": {Unit.KM: Decimal(5), Unit.MILES: Decimal("3.1")},
    "10k": {Unit.KM: Decimal(10), Unit.MILES: Decimal("6.2")},
    "half": {Unit.KM: Decimal("21.1"), Unit.MILES: Decimal("13.1")},
    "marathon": {Unit.KM: Decimal("42.2"), Unit.MILES: Decimal("26.2")},
}
RACE_NAMES = {"5k": "5K", "10k": "10K", "half": "Half marathon", "marathon": "Marathon"}


def default_pace(unit: Unit) -> Decimal:
    return Decimal(10) if unit is Unit.MILES else Decimal("6.25")


def build_plan(
    mileage: Mileage,
    options: Settings,
    routines: RoutineLibrary,
    generated_at: dt.datetime,
) -> Plan:
    """Turn the weeks into timed sessions. Raises PlanError for plans that can't be built."""
    if options.race_date is None:
        raise SettingError("race_date", "missing; give race day as YYYY-MM-DD")
    race_day = options.race_date
    # The readers check these too; this guards library callers.
    check_race_date(options.race_date)
    name = parse_name(options.name if options.name is not None else Path(mileage.source).stem)
    if options.name != name:
        options = dataclasses.replace(options, name=name)
    zone = ZoneInfo(options.timezone)
    weeks = mileage.weeks
    count = len(weeks)
    long_day = options.long_run_day if options.long_run_day is not None else race_day.weekday()
    if options.run_days is not None and long_day not in options.run_days:
        raise SettingError(
            "long_run_day",
            f"{WEEKDAYS[long_day]} is not one of the run days"
            f" ({','.join(WEEKDAYS[d] for d in options.run_days)}); add it to"
            f" {mention('run_days')}",
        )
    race_distance = _race_distance(options.race_distance, mileage, race_day)
    pace = options.pace if options.pace is not None else default_pace(mileage.unit)

    first_day = race_day - dt.timedelta(days=7 * count - 1)
    recovery_days = _recovery_days(options.recovery_days)
    away = _away_days(options, first_day, race_day + dt.timedelta(days=recovery_days), race_day)

    days_of_runs: list[dict[dt.date, tuple[Activity, Decimal | None]]] = []
    plan_weeks: list[PlanWeek] = []
    adjustments: list[Adjustment] = []
    previous_total: Decimal | None = None
    for number, week in enumerate(weeks, start=1):
        last_day = race_day - dt.timedelta(days=7 * (count - number))
        dates = [last_day - dt.timedelta(days=6 - i) for i in range(7)]
        is_race_week = number == count
        runs = _week_runs(
            week,
            mileage,
            dates,
            long_day,
            options,
            race_day if is_race_week else None,
            race_distance,
        )
        # A week is a cutback by its plan: a week away is not an easier week.
        planned = sum((d for _, d in runs.values() if d is not None), Decimal(0))
        if away:
            runs, changed = _clear_away(runs, dates, away, number)
            adjustments += changed
        days_of_runs.append(runs)
        total = sum((d for _, d in runs.values() if d is not None), Decimal(0))
        plan_weeks.append(
            PlanWeek(
                number=number,
                weeks_to_race=count - number,
                first_day=dates[0],
                last_day=last_day,
                distance=total,
                cutback=previous_total is not None
                and not is_race_week
                and planned < previous_total,
                notes=week.notes,
            )
        )
        previous_total = planned

    builder = _SessionBuilder(options, routines, mileage.unit, zone, pace, plan_weeks)
    before_long = {
        day - dt.timedelta(days=1)
        for runs in days_of_runs
        for day, (activity, _) in runs.items()
        if activity in (Activity.LONG_RUN, Activity.RACE)
    }
    strength_levels = _strength_levels(plan_weeks, routines)
    for plan_week, runs, level in zip(plan_weeks, days_of_runs, strength_levels, strict=True):
        strength_days = 0
        last_strength: dt.date | None = None
        for offset in range(7):
            day = plan_week.first_day + dt.timedelta(days=offset)
            if day in away:
                continue
            if day in runs:
                activity, distance = runs[day]
                builder.run_day(plan_week, day, activity, distance)
            elif (
                plan_week.weeks_to_race > 0
                and day not in before_long
                and strength_days < MAX_STRENGTH_PER_WEEK
                and (last_strength is None or (day - last_strength).days > 1)
            ):
                builder.strength_day(plan_week, day, level)
                strength_days += 1
                last_strength = day
            if options.bedtime is not None:
                builder.bedtime(plan_week, day)

    for plan_week in _recovery_weeks(count, race_day, recovery_days):
        plan_weeks.append(plan_week)
        day = plan_week.first_day
        while day <= plan_week.last_day:
            if day not in away:
                builder.recovery_day(plan_week, day)
                if options.bedtime is not None:
                    builder.bedtime(plan_week, day)
            day += dt.timedelta(days=1)

    # Times in one zone compare by the wall clock, which is their order in time unless one is
    # in the second pass of a repeated hour; only then are they compared as instants (slower).
    folded = any(s.start.fold or s.end.fold for s in builder.sessions)
    when = _instants if folded else _wall_times
    sessions = tuple(sorted(builder.sessions, key=when))
    _check_no_overlap(sessions, when)
    return Plan(
        name=name,
        timezone=options.timezone,
        unit=mileage.unit,
        race_date=race_day,
        weeks=tuple(plan_weeks),
        sessions=sessions,
        generated_at=generated_at,
        remind_minutes=options.remind,
        all_day=options.all_day,
        routine_uses=builder.routine_uses(),
        recovery_days=recovery_days,
        adjustments=tuple(adjustments),
        clock_changes=() if options.all_day else tuple(builder.clock_changes),
        refresh_hours=options.refresh_hours,
    )


def _recovery_days(days: int) -> int:
    # The reader checks it too; this guards library callers.
    if not 0 <= days <= MAX_RECOVERY_DAYS:
        raise SettingError(
            "recovery_days", f"expected 0 to {MAX_RECOVERY_DAYS} days after the race, found {days}"
        )
    return days


def _away_days(
    options: Settings, first_day: dt.date, last_day: dt.date, race_day: dt.date
) -> frozenset[dt.date]:
    """The days away, checked against the plan: within its days, and never race day."""
    for first, last in options.away:
        if first < first_day or last > last_day:
            outside = first if first < first_day else last
            raise SettingError(
                "away",
                f"{outside.isoformat()} is outside the plan, which runs from"
                f" {first_day:%a %d %b %Y} to {last_day:%a %d %b %Y}",
            )
        if first <= race_day <= last:
            raise SettingError(
                "away",
                f"includes race day ({race_day:%a %d %b %Y}); a plan can't skip its race,"
                " so leave race day out",
            )
    return away_days(options.away)


def _clear_away(
    runs: dict[dt.date, tuple[Activity, Decimal | None]],
    dates: Sequence[dt.date],
    away: frozenset[dt.date],
    week: int,
) -> tuple[dict[dt.date, tuple[Activity, Decimal | None]], list[Adjustment]]:
    """The week's runs without those on days away. Runs there are dropped, not crammed into
    the other days; the long run moves to the nearest day of the week that has no run and
    isn't away (the earlier of two as near), or is dropped when there is none."""
    kept = {day: run for day, run in runs.items() if day not in away}
    changes = []
    for day, (activity, distance) in sorted(runs.items()):
        if day not in away:
            continue
        moved_to = None
        if activity is Activity.LONG_RUN:
            free = [d for d in dates if d not in away and d not in kept]
            if free:
                moved_to = min(free, key=lambda d: (abs((d - day).days), d))
                kept[moved_to] = (activity, distance)
        changes.append(Adjustment(week, activity, day, distance, moved_to))
    return dict(sorted(kept.items())), changes


def _recovery_weeks(count: int, race_day: dt.date, days: int) -> list[PlanWeek]:
    """The weeks after race day that hold ``days`` recovery days: -1 weeks to race, -2."""
    weeks = []
    for index in range((days + 6) // 7):
        first = race_day + dt.timedelta(days=7 * index + 1)
        weeks.append(
            PlanWeek(
                number=count + index + 1,
                weeks_to_race=-(index + 1),
                first_day=first,
                last_day=min(first + dt.timedelta(days=6), race_day + dt.timedelta(days=days)),
                distance=Decimal(0),
                cutback=False,
            )
        )
    return weeks


_RACE_ALIASES = {"halfmarathon": "half", "21k": "half", "full": "marathon", "42k": "marathon"}


def _race_key(text: str) -> str:
    """--race-distance as a key of RACE_DISTANCES when it names a race ("Half Marathon")."""
    key = text.strip().lower().replace(" ", "")
    return _RACE_ALIASES.get(key, key)


def parse_race_distance(text: str, unit: Unit) -> Decimal:
    key = _race_key(text)
    if key in RACE_DISTANCES:
        return RACE_DISTANCES[key][unit]
    try:
        value = Decimal(key.replace(",", "."))
    except ArithmeticError:
        value = Decimal(-1)
    if (
        not value.is_finite()
        or not Decimal(0) < value <= Decimal(500)
        or distance_problem(value) is not None
    ):
        raise SettingError(
            "race_distance",
            f"expected 5k, 10k, half, marathon or a distance in {unit.word}, found {shown(text)}",
        )
    return value


def _race_distance(text: str | None, mileage: Mileage, race_day: dt.date) -> Decimal | None:
    race_week = mileage.weeks[-1]
    if text is not None:
        return parse_race_distance(text, mileage.unit)
    if race_week.days is not None:
        on_race_day = race_week.days[race_day.weekday()]
        return on_race_day if on_race_day > 0 else None
    if race_week.long_run is not None and race_week.long_run > 0:
        return race_week.long_run
    return None


def _week_runs(
    week: Week,
    mileage: Mileage,
    dates: Sequence[dt.date],
    long_day: int,
    options: Settings,
    race_day: dt.date | None,
    race_distance: Decimal | None,
) -> dict[dt.date, tuple[Activity, Decimal | None]]:
    """The week's runs: date -> (run, long run or race; distance)."""
    by_weekday = {d.weekday(): d for d in dates}
    runs: dict[dt.date, tuple[Activity, Decimal | None]] = {}
    if week.days is not None:
        distances = {by_weekday[i]: d for i, d in enumerate(week.days) if d > 0}
        if race_day is not None:
            distances.pop(race_day, None)
            runs = {day: (Activity.RUN, d) for day, d in distances.items()}
            runs[race_day] = (Activity.RACE, race_distance)
            return runs
        long_date = _per_day_long_run(distances, options.long_run_day, by_weekday)
        return {
            day: (Activity.LONG_RUN if day == long_date else Activity.RUN, d)
            for day, d in distances.items()
        }

    total = week.total
    if total == 0 and race_day is None:
        return {}
    run_weekdays = _run_weekdays(week, mileage, options, long_day)
    run_dates = sorted(by_weekday[w] for w in run_weekdays)
    if race_day is not None:
        race = race_distance if race_distance is not None else Decimal(0)
        if race > total:
            # Only a race_distance can: the CSV's own long_run is checked against its week.
            raise SettingError(
                "race_distance",
                f"the race ({format_distance(race)} {mileage.unit.word}) is longer than race"
                f" week's {format_distance(total)} {mileage.unit.word} ({mileage.source}, line"
                f" {week.line}); give the race's distance or raise the week's total",
            )
        others = [d for d in run_dates if d != race_day]
        rest = total - race
        if rest > 0 and not others:
            raise InvalidRow(
                mileage.source,
                week.line,
                "runs",
                f"race week has {rest} {mileage.unit.word} besides the race but only one run;"
                " raise 'runs' or lower the week's total",
            )
        runs = {
            day: (Activity.RUN, d)
            for day, d in zip(others, _split(rest, len(others)), strict=True)
            if d > 0
        }
        runs[race_day] = (Activity.RACE, race_distance)
        return runs

    if week.long_run == 0:
        parts = _split(total, len(run_dates))
        return {day: (Activity.RUN, d) for day, d in zip(run_dates, parts, strict=True) if d > 0}
    long_run_date = by_weekday[long_day]
    others = [d for d in run_dates if d != long_run_date]
    if not others:
        return {long_run_date: (Activity.LONG_RUN, total)}
    long = week.long_run if week.long_run is not None else _long_run_share(total, len(run_dates))
    runs = {
        day: (Activity.RUN, d)
        for day, d in zip(others, _split(total - long, len(others)), strict=True)
        if d > 0
    }
    runs[long_run_date] = (Activity.LONG_RUN, long)
    return runs


def _run_weekdays(week: Week, mileage: Mileage, options: Settings, long_day: int) -> list[int]:
    if options.run_days is None:
        count = week.runs or DEFAULT_RUNS
        return [(long_day - offset) % 7 for offset in DEFAULT_RUN_OFFSETS[count]]
    chosen = list(options.run_days)
    if week.runs is not None and week.runs < len(chosen):
        # Keep the long run and the days furthest from it: the runs stay spread out.
        others = sorted(
            (d for d in chosen if d != long_day), key=lambda d: (long_day - d) % 7, reverse=True
        )
        chosen = [long_day, *others[: week.runs - 1]]
    elif week.runs is not None and week.runs > len(chosen):
        raise SettingError(
            "run_days",
            f"lists {len(chosen)} days, but {mileage.source}, line {week.line} asks for"
            f" {week.runs} runs; add days or lower that week's runs",
        )
    return chosen


def _per_day_long_run(
    distances: dict[dt.date, Decimal], long_run_day: int | None, by_weekday: dict[int, dt.date]
) -> dt.date | None:
    if len(distances) < 2:
        return None
    if long_run_day is not None:
        day = by_weekday[long_run_day]
        return day if day in distances else None
    longest = max(distances.values())
    if list(distances.values()).count(longest) == len(distances):
        return None  # all runs the same length: none of them is "the long run"
    return max(day for day, d in distances.items() if d == longest)


def _long_run_share(total: Decimal, runs: int) -> Decimal:
    share = (total * LONG_RUN_SHARE / HALF).to_integral_value(ROUND_FLOOR) * HALF
    even = (total / runs / HALF).to_integral_value(ROUND_CEILING) * HALF
    return min(total, max(share, even))


def _split(total: Decimal, count: int) -> list[Decimal]:
    """Split ``total`` into ``count`` parts in half units that add up exactly.

    Earlier days get the odd half units; a remainder finer than a half unit goes to the first.
    """
    if count == 0:
        return []
    halves = int((total / HALF).to_integral_value(ROUND_FLOOR))
    remainder = total - halves * HALF
    base, extra = divmod(halves, count)
    parts = [HALF * (base + (1 if i < extra else 0)) for i in range(count)]
    parts[0] += remainder
    return parts


def _strength_levels(weeks: Sequence[PlanWeek], routines: RoutineLibrary) -> list[int]:
    """Backside strength gets harder across the plan and eases off in cutback weeks."""
    if Activity.BACKSIDE_STRENGTH not in routines:
        return [1] * len(weeks)
    top = routines[Activity.BACKSIDE_STRENGTH].levels
    training = max(len(weeks) - 1, 1)
    levels = []
    for week in weeks:
        level = 1 + (week.number - 1) * top // training
        if week.cutback:
            level -= 1
        levels.append(max(1, min(top, level)))
    return levels


@functools.lru_cache(maxsize=32)  # every session's UID starts with its plan's key
def plan_key(name: str) -> str:
    """The plan's part of every UID: readable, and unique to the exact name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "plan"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}"


def session_uid(name: str, activity: Activity, days_before_race: int) -> str:
    """Stable for the same plan, activity and days before the race, whatever the race date."""
    return f"{plan_key(name)}-{activity.value.replace('_', '-')}-t{days_before_race}@planner"


def format_distance(distance: Decimal) -> str:
    return format(distance.normalize(), "f")


def format_pace(pace: Decimal) -> str:
    seconds = int((pace * 60).to_integral_value(ROUND_HALF_UP))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True)
class _RoutineText:
    length: dt.timedelta
    title: str
    description: str
    """Without the week's footer, like the compact and brief ones."""
    details: str
    compact: str
    brief: str


class _SessionBuilder:
    def __init__(
        self,
        options: Settings,
        routines: RoutineLibrary,
        unit: Unit,
        zone: ZoneInfo,
        pace: Decimal,
        weeks: Sequence[PlanWeek],
    ) -> None:
        self.options = options
        assert options.name is not None and options.race_date is not None  # set by build_plan
        self.name = options.name
        self.race_date = options.race_date
        self.routines = routines
        self.unit = unit
        self.zone = zone
        self.pace = pace
        self.count = len(weeks)
        self._unsteady = frozenset(
            day + k * _DAY
            for day in _change_days(zone, weeks[0].first_day, weeks[-1].last_day)
            for k in (-1, 0, 1)
        )
        """The days whose clocks change, and the days either side."""
        self.sessions: list[Session] = []
        self.variant = "gentle" if options.gentle_inversion else ""
        self._routine_texts: dict[tuple[Activity, int], _RoutineText] = {}
        self.weeks_by_routine: dict[tuple[Activity, int], set[int]] = {}
        self.clock_changes: list[ClockChange] = []

    def _at(self, day: dt.date, time: dt.time, title: str) -> dt.datetime:
        """The session ``title`` planned at ``time`` on ``day``: a time the clocks skip means
        the time as far after the gap (RFC 5545), one they show twice its first pass."""
        wall = dt.datetime.combine(day, time, tzinfo=self.zone)
        if self._steady(day, day):
            return wall
        # fold=0 reads a skipped time with the offset before the gap: the RFC 5545 instant.
        start = wall.astimezone(dt.UTC).astimezone(self.zone)
        if start.replace(tzinfo=None) != wall.replace(tzinfo=None):
            shift = start.replace(tzinfo=None) - wall.replace(tzinfo=None)
            self.clock_changes.append(
                ClockChange(title, wall.replace(tzinfo=None), start, shift, skipped=True)
            )
        else:
            second = wall.replace(fold=1)
            offset, second_offset = wall.utcoffset(), second.utcoffset()
            if offset is not None and second_offset is not None and offset != second_offset:
                self.clock_changes.append(
                    ClockChange(
                        title, wall.replace(tzinfo=None), start, offset - second_offset, False
                    )
                )
        return start

    def _after(self, moment: dt.datetime, length: dt.timedelta) -> dt.datetime:
        """``length`` of real time after ``moment``, in the plan's zone: a session lasts its
        minutes even across a clock change (datetime arithmetic in one zone is wall-clock)."""
        wall = moment + length
        first, last = (moment, wall) if length >= dt.timedelta(0) else (wall, moment)
        if self._steady(first.date(), last.date()):
            return wall  # no clock change in between: the wall clock is exact
        return (moment.astimezone(dt.UTC) + length).astimezone(self.zone)

    def _steady(self, first: dt.date, last: dt.date) -> bool:
        """Whether the clocks keep their offset from the day before ``first`` to the day after
        ``last`` (most days of most plans: then wall-clock arithmetic is exact, and ten times
        faster than converting each time to UTC and back)."""
        if not self._unsteady:
            return True
        day = first
        while day <= last:
            if day in self._unsteady:
                return False
            day += _DAY
        return True

    def _add(
        self,
        week: PlanWeek,
        day: dt.date,
        activity: Activity,
        start: dt.datetime,
        end: dt.datetime,
        title: str,
        description: str,
        details: str,
        distance: Decimal | None = None,
        *,
        compact: str = "",
        brief: str = "",
        url: str = "",
    ) -> None:
        days_before = (self.race_date - day).days
        self.sessions.append(
            Session(
                activity=activity,
                start=start,
                end=end,
                title=title,
                description=description,
                details=details,
                week=week.number,
                weeks_to_race=week.weeks_to_race,
                days_before_race=days_before,
                uid=session_uid(self.name, activity, days_before),
                categories=("Running",) if activity.is_running else ("Yoga", "Running"),
                distance=distance,
                compact_description=compact,
                brief_description=brief,
                url=url,
            )
        )

    def _yoga(
        self,
        week: PlanWeek,
        day: dt.date,
        activity: Activity,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        level: int = 1,
    ) -> dt.datetime:
        """Add one yoga session that starts at ``start`` or ends at ``end``; returns its end."""
        self.weeks_by_routine.setdefault((activity, level), set()).add(week.number)
        text = self._routine_text(activity, level)
        if start is None:
            assert end is not None
            start = self._after(end, -text.length)
        end = self._after(start, text.length)
        card = self._card(activity, level)
        pictures = f"\nPictures: {card}" if card else ""
        self._add(
            week,
            day,
            activity,
            start,
            end,
            text.title,
            text.description + self._footer(week) + pictures,
            text.details,
            compact=text.compact + self._short_footer(week) + pictures,
            brief=text.brief + self._short_footer(week) + pictures,
            url=card,
        )
        return end

    def _card(self, activity: Activity, level: int) -> str:
        """The address of the routine's card, where the face publishes cards; else ""."""
        if self.options.cards_url is None:
            return ""
        path = card_path(self.routines[activity], level, self.variant)
        return f"{self.options.cards_url.rstrip('/')}/{path.removeprefix('cards/')}"

    def _routine_text(self, activity: Activity, level: int) -> _RoutineText:
        """A routine's text, rendered once a plan: a plan repeats each routine hundreds of times."""
        key = (activity, level)
        if key not in self._routine_texts:
            routine = self.routines[activity]
            minutes = routine.minutes(level, self.variant)
            self._routine_texts[key] = _RoutineText(
                dt.timedelta(minutes=minutes),
                f"{routine.title} ({minutes} min)",
                render_description(routine, level, self.variant, minutes),
                render_details(routine, level, self.variant),
                render_compact(routine, level, self.variant),
                render_brief(routine, level, self.variant),
            )
        return self._routine_texts[key]

    def routine_uses(self) -> tuple[RoutineUse, ...]:
        order = list(Activity)
        keys = sorted(self.weeks_by_routine, key=lambda key: (order.index(key[0]), key[1]))
        return tuple(
            RoutineUse(
                self.routines[activity],
                level,
                self.variant,
                tuple(sorted(self.weeks_by_routine[activity, level])),
            )
            for activity, level in keys
        )

    def _footer(self, week: PlanWeek) -> str:
        if week.weeks_to_race < 0:
            return f"\n\n{_weeks_to_race(week.weeks_to_race)}.\nPlan: {self.name}"
        return (
            f"\n\nWeek {week.number} of {self.count}, {_weeks_to_race(week.weeks_to_race)}."
            f"\nPlan: {self.name}"
        )

    def _short_footer(self, week: PlanWeek) -> str:
        # For the compact styles of long plans: every byte counts 1,000 times or more.
        if week.weeks_to_race < 0:
            return f"\n{_weeks_to_race(week.weeks_to_race)}."
        return f"\nWeek {week.number} of {self.count}."

    def run_day(
        self, week: PlanWeek, day: dt.date, activity: Activity, distance: Decimal | None
    ) -> None:
        times = self.options.run_time if activity is Activity.RUN else self.options.long_run_time
        time = time_on(times, day.weekday())
        minutes = (
            int((distance * self.pace).to_integral_value(ROUND_HALF_UP))
            if distance is not None
            else int(UNTIMED_RACE.total_seconds() // 60)
        )
        title, description, compact, details = self._run_text(week, activity, distance, minutes)
        start = self._at(day, time, title)
        end = self._after(start, dt.timedelta(minutes=max(minutes, 1)))
        self._yoga(week, day, Activity.PRE_RUN_ACTIVATION, end=start)
        if not self.options.yoga_only:
            self._add(
                week,
                day,
                activity,
                start,
                end,
                title,
                description,
                details,
                distance,
                compact=compact,
            )
        recovered = self._yoga(week, day, Activity.POST_RUN_RECOVERY, start=end)
        if activity in (Activity.LONG_RUN, Activity.RACE):
            self._yoga(week, day, Activity.LEGS_UP_THE_WALL, start=self._after(recovered, REFUEL))

    def _run_text(
        self, week: PlanWeek, activity: Activity, distance: Decimal | None, minutes: int
    ) -> tuple[str, str, str, str]:
        """Title, description, compact description (without the repeated title) and details."""
        unit = self.unit.value
        amount = f"{format_distance(distance)} {unit}" if distance is not None else ""
        if activity is Activity.RACE:
            named = RACE_NAMES.get(_race_key(self.options.race_distance or ""))
            if named is None:
                title = f"Race day: Race {amount}".rstrip()
            else:
                title = f"Race day: {named}" + (f" ({amount})" if amount else "")
        else:
            kind = "Long run" if activity is Activity.LONG_RUN else "Run"
            title = f"{kind} {amount}"
        lines = [title]
        if distance is not None:
            lines.append(
                f"About {minutes} min at {format_pace(self.pace)} per {unit}"
                f" ({format_distance(distance)} {unit})."
            )
        if week.notes:
            lines.append(f"Notes: {week.notes}")
        cues = self.routines.form_cues
        if cues:
            cue = cues[(week.number - 1) % len(cues)]
            lines.append(f"Form focus this week: {cue.name}. {cue.cue}")
        details = " | ".join(lines[1:])
        compact = "\n".join(lines[1:]) + self._short_footer(week)
        return title, "\n".join(lines) + self._footer(week), compact.lstrip("\n"), details

    def strength_day(self, week: PlanWeek, day: dt.date, level: int) -> None:
        title = self._routine_text(Activity.BACKSIDE_STRENGTH, level).title
        start = self._at(day, time_on(self.options.run_time, day.weekday()), title)
        self._yoga(week, day, Activity.BACKSIDE_STRENGTH, start=start, level=level)

    def recovery_day(self, week: PlanWeek, day: dt.date) -> None:
        """A day after the race: the post-run recovery at the day's run time, then, after
        time to eat, legs up the wall (or its gentle variant); no run and no strength."""
        title = self._routine_text(Activity.POST_RUN_RECOVERY, 1).title
        start = self._at(day, time_on(self.options.run_time, day.weekday()), title)
        recovered = self._yoga(week, day, Activity.POST_RUN_RECOVERY, start=start)
        self._yoga(week, day, Activity.LEGS_UP_THE_WALL, start=self._after(recovered, REFUEL))

    def bedtime(self, week: PlanWeek, day: dt.date) -> None:
        assert self.options.bedtime is not None
        title = self._routine_text(Activity.BEDTIME_LEGS_UP_THE_WALL, 1).title
        start = self._at(day, self.options.bedtime, title)
        self._yoga(week, day, Activity.BEDTIME_LEGS_UP_THE_WALL, start=start)


def _weeks_to_race(weeks: int) -> str:
    if weeks < 0:
        return "Recovery after the race" + (f", week {-weeks}" if weeks < -1 else "")
    if weeks == 0:
        return "race week"
    return f"{weeks} week{'s' if weeks != 1 else ''} to race"


_DAY = dt.timedelta(days=1)


def _change_days(zone: ZoneInfo, first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The days from ``first`` to ``last`` (and one either side) whose clocks change: the
    offset at their midnight differs from the next day's. (A zone that changed and changed
    back within one day would be missed; the tz database has no such day.)"""
    days = []
    day = first - _DAY
    offset = zone.utcoffset(dt.datetime.combine(day, dt.time()))
    while day <= last + _DAY:
        following = zone.utcoffset(dt.datetime.combine(day + _DAY, dt.time()))
        if following != offset:
            days.append(day)
        day, offset = day + _DAY, following
    return tuple(days)


def _wall_times(session: Session) -> tuple[dt.datetime, dt.datetime]:
    return session.start, session.end


def _instants(session: Session) -> tuple[dt.datetime, dt.datetime]:
    """A session's start and end as instants: datetimes in one zone compare by their wall
    clock, which puts the second pass of a repeated hour before the first."""
    return session.start.astimezone(dt.UTC), session.end.astimezone(dt.UTC)


def _check_no_overlap(
    sessions: Iterable[Session], when: Callable[[Session], tuple[dt.datetime, dt.datetime]]
) -> None:
    previous: Session | None = None
    for session in sessions:
        start, end = when(session)
        # The scheduler adds at least a minute to every start; a guard for what it must keep.
        assert start < end, f"{session.title} on {session.start:%a %d %b} ends as it starts"
        if previous is not None and start < when(previous)[1]:
            raise SettingError(
                None,
                f"{previous.title} on {previous.start:%a %d %b} ends at {previous.end:%H:%M},"
                f" after {session.title} starts at {session.start:%H:%M}; choose an earlier"
                f" {mention('run_time')} / {mention('long_run_time')} or a later"
                f" {mention('bedtime')}",
                where="schedule",
            )
        previous = session
