"""Reading back a plan.ics: what planner wrote comes back; anything else is refused in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from planner.errors import PlanError
from planner.export.ics import to_ics
from planner.model import Plan
from planner.previous import NotAPlan, parse_previous, read_previous

WEEKS = "week,miles,long_run\n1,10,4\n2,8,3.1\n"
CRLF = "\r\n"


def ics(*lines: str) -> bytes:
    return CRLF.join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//x//y//EN", *lines,
                      "END:VCALENDAR", ""]).encode()  # fmt: skip


def event(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z", *lines, "END:VEVENT"]


OURS = [
    "X-PLANNER-PLAN:Club",
    "X-PLANNER-ACTIVITY:run",
    "X-PLANNER-DAYS-BEFORE-RACE:3",
    "DTSTART;TZID=Europe/Berlin:20270415T070000",
    "DTEND;TZID=Europe/Berlin:20270415T073000",
    "SUMMARY:Run 3 mi",
]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello", "not an iCalendar file (Content line could not be parsed into parts"),
        (b"", "not an iCalendar file (no VCALENDAR in it)"),
        (ics(), "has no events; expected a plan.ics written by planner build"),
        (
            ics(*event("a@example.com", "DTSTART:20270101T070000Z", "SUMMARY:Dentist")),
            "is not a plan.ics written by planner (its events have no X-PLANNER-PLAN), so"
            " planner won't update or replace it",
        ),
        (
            ics(*event("a", *OURS), *event("b", *[o.replace(":Club", ":Other") for o in OURS])),
            "mixes events of several plans ('Club', 'Other'); expected one plan",
        ),
        (
            ics(*event("a", *[o.replace(":run", ":swim") for o in OURS])),
            "event a: X-PLANNER-ACTIVITY, X-PLANNER-DAYS-BEFORE-RACE or SEQUENCE is missing or"
            " not what planner writes",
        ),
        (
            ics(*event("a", *[o.replace("Europe/Berlin", "Mars/Olympus") for o in OURS])),
            "event a: unknown timezone 'Mars/Olympus'",
        ),
        (
            ics(*event("a", *[o.replace(";TZID=Europe/Berlin", "") for o in OURS])),
            "event a: floating time without a timezone",
        ),
    ],
)
def test_files_planner_did_not_write_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(NotAPlan) as err:
        parse_previous(data, "plan.ics")
    assert str(err.value).startswith(f"plan.ics: {message}")
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as err:
        read_previous(tmp_path / "plan.ics")
    assert str(err.value) == f"{tmp_path / 'plan.ics'}: file not found"


def test_a_minimal_event_of_ours_reads(make_plan: Callable[..., Plan]) -> None:
    previous = parse_previous(ics(*event("a", *OURS, "SEQUENCE:4", "STATUS:CANCELLED")), "p")
    (session,) = previous.sessions
    assert (session.uid, session.sequence, session.cancelled) == ("a", 4, True)
    assert previous.race_date is None  # every event is cancelled
    assert previous.timezone == "Europe/Berlin"


def test_all_day_files_read_as_days(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(WEEKS, all_day=True)
    previous = parse_previous(to_ics(plan), "plan.ics")
    assert (previous.all_day, previous.timezone, previous.race_date) == (
        True,
        None,
        plan.race_date,
    )
    assert [s.start.date() for s in previous.sessions] == [s.start.date() for s in plan.sessions]
