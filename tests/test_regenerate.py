"""reconcile() and shift(): SEQUENCE and STATUS against the previous file, counted."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from planner.errors import PlanError
from planner.model import Activity, CalendarEvent, Plan, Session
from planner.pipeline import to_ics
from planner.previous import PreviousPlan, parse_previous
from planner.regenerate import Changes, reconcile, shift

GENERATED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
THREE_WEEKS = "week,miles,long_run\n1,16,6\n2,18,7\n3,16,6.2\n"
TWO_WEEKS = "week,miles,long_run\n1,18,7\n2,16,6.2\n"  # THREE_WEEKS without its first week
FOUR_WEEKS = "week,miles,long_run\n1,14,5\n2,16,6\n3,18,7\n4,16,6.2\n"


def previous_of(plan: Plan) -> PreviousPlan:
    """What the file written from ``plan`` holds, read back through the real reader."""
    return parse_previous(to_ics(plan), "old/plan.ics")


def sequences(plan: Plan) -> dict[str, tuple[int, bool]]:
    return {s.uid: (s.sequence, s.cancelled) for s in plan.sessions}


def retimed(before: Plan, after: Plan) -> set[str]:
    """UIDs in both plans at other times."""
    old = {s.uid: (s.start, s.end) for s in before.sessions}
    return {s.uid for s in after.sessions if s.uid in old and old[s.uid] != (s.start, s.end)}


def test_same_inputs_change_nothing(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(THREE_WEEKS, remind=15)
    result, changes = reconcile(plan, previous_of(plan))
    assert changes == Changes(unchanged=len(plan.sessions))
    assert str(changes) == f"moved 0, changed 0, added 0, cancelled 0, unchanged {changes.total}"
    assert result == plan


def test_a_new_race_date_moves_every_event_and_keeps_uids(
    make_plan: Callable[..., Plan],
) -> None:
    first = make_plan(THREE_WEEKS)
    later = make_plan(THREE_WEEKS, race_date="2027-05-02")
    result, changes = reconcile(later, previous_of(first))
    assert changes == Changes(moved=len(first.sessions))
    assert {s.uid for s in result.sessions} == {s.uid for s in first.sessions}
    assert set(sequences(result).values()) == {(1, False)}
    # Moving again from the moved file goes one higher.
    again, _ = reconcile(make_plan(THREE_WEEKS, race_date="2027-05-09"), previous_of(result))
    assert set(sequences(again).values()) == {(2, False)}


def test_a_shorter_plan_cancels_the_dropped_events_with_their_last_content(
    make_plan: Callable[..., Plan],
) -> None:
    long = make_plan(THREE_WEEKS)
    short = make_plan(TWO_WEEKS)
    result, changes = reconcile(short, previous_of(long))
    dropped = [s for s in long.sessions if s.week == 1]
    assert changes.cancelled == len(dropped) > 0
    assert changes.added == 0
    # Backside strength gets harder across a plan, so a shorter plan has other levels on
    # some days: a longer or shorter routine, so moved.
    assert changes.moved == len(retimed(long, short)) > 0
    # "Week 2 of 3" became "Week 1 of 2" in every description: the rest changed.
    assert changes.changed == len(short.sessions) - changes.moved
    assert changes.total == len(result.sessions) == len(long.sessions)
    by_uid = {s.uid: s for s in result.sessions}
    for old in dropped:
        kept = by_uid[old.uid]
        assert (kept.cancelled, kept.sequence) == (True, 1)
        assert (kept.start, kept.end, kept.title, kept.description) == (
            old.start,
            old.end,
            old.title,
            old.description,
        )
    assert [s.start for s in result.sessions] == sorted(s.start for s in result.sessions)


def test_cancelled_events_stay_cancelled_and_a_longer_plan_revives_them(
    make_plan: Callable[..., Plan],
) -> None:
    long = make_plan(THREE_WEEKS)
    shortened, _ = reconcile(make_plan(TWO_WEEKS), previous_of(long))
    cancelled = {s.uid for s in shortened.sessions if s.cancelled}

    still_short, changes = reconcile(make_plan(TWO_WEEKS), previous_of(shortened))
    assert changes == Changes(unchanged=len(shortened.sessions))
    assert {s.uid: s.sequence for s in still_short.sessions if s.cancelled} == dict.fromkeys(
        cancelled, 1
    )

    revived, changes = reconcile(make_plan(THREE_WEEKS), previous_of(still_short))
    assert changes.revived == len(cancelled)
    assert changes.moved == len(retimed(still_short, revived))
    assert changes.cancelled == changes.added == 0
    assert "revived" in str(changes)
    assert not any(s.cancelled for s in revived.sessions)
    assert {s.uid: s.sequence for s in revived.sessions if s.uid in cancelled} == dict.fromkeys(
        cancelled, 2
    )


def test_a_longer_plan_adds_events_at_sequence_0(make_plan: Callable[..., Plan]) -> None:
    three = make_plan(THREE_WEEKS)
    four = make_plan(FOUR_WEEKS)
    result, changes = reconcile(four, previous_of(three))
    new_uids = {s.uid for s in four.sessions} - {s.uid for s in three.sessions}
    assert changes.added == len(new_uids) > 0
    assert all(s.sequence == 0 for s in result.sessions if s.uid in new_uids)


def test_changed_text_or_reminder_is_changed_not_moved(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(THREE_WEEKS)
    noted = make_plan("week,miles,long_run,notes\n1,16,6,\n2,18,7,Hills this week\n3,16,6.2,\n")
    result, changes = reconcile(noted, previous_of(plan))
    runs_in_week_2 = [
        s for s in plan.sessions if s.week == 2 and s.activity in (Activity.RUN, Activity.LONG_RUN)
    ]
    assert changes == Changes(
        changed=len(runs_in_week_2), unchanged=len(plan.sessions) - len(runs_in_week_2)
    )
    assert {s.uid for s in result.sessions if s.sequence == 1} == {s.uid for s in runs_in_week_2}

    reminded = make_plan(THREE_WEEKS, remind=30)
    _, changes = reconcile(reminded, previous_of(plan))
    assert changes == Changes(changed=len(plan.sessions))


def test_a_new_timezone_moves_everything_and_converts_cancelled_events(
    make_plan: Callable[..., Plan],
) -> None:
    berlin = make_plan(THREE_WEEKS, timezone="Europe/Berlin")
    new_york = make_plan(TWO_WEEKS, timezone="America/New_York")
    result, changes = reconcile(new_york, previous_of(berlin))
    assert changes.moved == len(new_york.sessions)
    zones = {s.start.tzinfo for s in result.sessions}
    assert zones == {ZoneInfo("America/New_York")}
    # Same instants as before for the cancelled ones.
    old = {s.uid: s.start for s in berlin.sessions}
    assert all(s.start == old[s.uid] for s in result.sessions if s.cancelled)
    previous_of(result)  # and the file (one VTIMEZONE covering all of them) reads back


def test_all_day_plans_compare_days_only(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(THREE_WEEKS, all_day=True)
    later_runs = make_plan(THREE_WEEKS, all_day=True, run_time=dt.time(18, 0))
    _, changes = reconcile(later_runs, previous_of(plan))
    assert changes.moved == 0
    timed = make_plan(TWO_WEEKS)
    result, changes = reconcile(timed, previous_of(plan))
    assert changes.moved == len(timed.sessions)
    cancelled = [s for s in result.sessions if s.cancelled]
    assert cancelled and all(
        s.start.time() == dt.time() and s.end - s.start == dt.timedelta(days=1) for s in cancelled
    )


def test_another_plans_file_is_refused(make_plan: Callable[..., Plan]) -> None:
    with pytest.raises(PlanError) as err:
        reconcile(make_plan(THREE_WEEKS, name="Club"), previous_of(make_plan(THREE_WEEKS)))
    assert str(err.value) == (
        "old/plan.ics: holds the plan 'Test plan', not 'Club'; choose another --out folder,"
        " or name the plan 'Test plan' to update it"
    )


def test_shift_keeps_days_before_race_wall_times_and_lengths_across_dst(
    make_plan: Callable[..., Plan],
) -> None:
    # Race 21 March in Berlin (all winter time) moved to 2 May (all summer time).
    plan = make_plan(THREE_WEEKS, race_date="2027-03-21", timezone="Europe/Berlin")
    previous = previous_of(plan)
    moved = shift(previous, dt.date(2027, 5, 2), plan.generated_at)
    assert len(moved.sessions) == len(plan.sessions)
    old = {s.uid: s for s in plan.sessions}
    for new in moved.sessions:
        before = old[new.uid]
        assert new.start.date() == dt.date(2027, 5, 2) - dt.timedelta(days=new.days_before_race)
        assert new.start.time() == before.start.time()
        assert new.end - new.start == before.end - before.start
        assert new.start.utcoffset() == dt.timedelta(hours=2)
    # Exactly what the scheduler makes for that race day, to the minute and the text.
    rebuilt = make_plan(THREE_WEEKS, race_date="2027-05-02", timezone="Europe/Berlin")
    fields = ("uid", "start", "end", "title", "description", "categories")
    assert [tuple(getattr(s, f) for f in fields) for s in moved.sessions] == [
        tuple(getattr(s, f) for f in fields) for s in rebuilt.sessions
    ]
    _, changes = reconcile(moved, previous)
    assert changes == Changes(moved=len(plan.sessions))


def test_shift_leaves_cancelled_events_where_they_were(make_plan: Callable[..., Plan]) -> None:
    shortened, _ = reconcile(make_plan(TWO_WEEKS), previous_of(make_plan(THREE_WEEKS)))
    previous = previous_of(shortened)
    moved, changes = reconcile(shift(previous, dt.date(2027, 5, 2), GENERATED), previous)
    cancelled = [s for s in shortened.sessions if s.cancelled]
    assert changes == Changes(
        moved=len(shortened.sessions) - len(cancelled), unchanged=len(cancelled)
    )
    old = {s.uid: s for s in cancelled}
    for s in moved.sessions:
        if s.cancelled:
            assert (s.start, s.sequence) == (old[s.uid].start, old[s.uid].sequence)


def test_shift_an_all_day_plan(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(THREE_WEEKS, all_day=True)
    moved = shift(previous_of(plan), dt.date(2027, 5, 2), GENERATED)
    assert moved.all_day
    assert {s.start.date() - dt.timedelta(days=-s.days_before_race) for s in moved.sessions} == {
        dt.date(2027, 5, 2)
    }


def test_read_back_sessions_match_the_built_ones(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(THREE_WEEKS, remind=10, bedtime=dt.time(21, 30))
    previous = previous_of(plan)
    assert (previous.name, previous.timezone, previous.all_day) == (
        "Test plan",
        "Europe/Berlin",
        False,
    )
    assert (previous.remind_minutes, previous.race_date) == (10, dt.date(2027, 4, 18))
    # What the calendar holds of each session, as an event of its own type: no week,
    # distance or spreadsheet line, which plan.ics doesn't carry.
    calendar_fields = [f.name for f in dataclasses.fields(CalendarEvent)]
    assert previous.events == tuple(
        CalendarEvent(**{name: getattr(s, name) for name in calendar_fields}) for s in plan.sessions
    )
    assert not any(isinstance(event, Session) for event in previous.events)


def test_a_cancelled_event_is_kept_until_it_has_ended(make_plan: Callable[..., Plan]) -> None:
    long = make_plan(THREE_WEEKS)
    short = make_plan(TWO_WEEKS)
    dropped = sorted(
        (s for s in long.sessions if s.uid not in {n.uid for n in short.sessions}),
        key=lambda s: s.end,
    )
    # Rebuilt while the dropped first week is under way: one of its events has just ended.
    clock = dropped[len(dropped) // 2].end + dt.timedelta(seconds=1)
    result, changes = reconcile(dataclasses.replace(short, generated_at=clock), previous_of(long))
    future = {s.uid for s in dropped if s.end >= clock}
    assert 0 < len(future) < len(dropped)
    assert {s.uid for s in result.sessions if s.cancelled} == future
    assert changes.cancelled == len(future)
    assert changes.total == len(result.sessions)
    # A build after the last of them has ended carries none of them.
    later = dataclasses.replace(short, generated_at=dropped[-1].end + dt.timedelta(seconds=1))
    result, changes = reconcile(later, previous_of(result))
    assert not any(s.cancelled for s in result.sessions)
    assert changes == Changes(unchanged=len(short.sessions))
