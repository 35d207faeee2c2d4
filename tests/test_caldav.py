"""A real round trip through a CalDAV server: Radicale on 127.0.0.1, started here.

Each event goes up as its own calendar object (a PUT per UID, as CalDAV requires), the way
a sync tool would push plan.ics. Rebuilding with a new race date, a shorter plan and a
longer one again must update those objects in place: no duplicates, new times, cancelled
events cancelled, revived ones back.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import caldav
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from planner.cli import cli
from tests.caldav_server import RadicaleServer
from tests.conftest import ENV

NAME = "Spring 5K"
# Small plans keep the test quick: Radicale takes some 30 ms per PUT.
LONG = "week,miles,long_run,runs\n1,8,5,2\n2,6,3.1,2\n"
SHORT = "week,miles,long_run,runs\n1,6,3.1,2\n"  # LONG without its first week


@pytest.fixture
def radicale(caldav_server: RadicaleServer) -> str:
    """The URL of the session's Radicale server (tests/caldav_server.py); any user logs in."""
    return caldav_server.url


def build(mileage: Path, race_date: str, out: Path) -> str:
    result = CliRunner().invoke(
        cli,
        ["build", str(mileage), "--race-date", race_date, "--timezone", "Europe/Berlin",
         "--name", NAME, "--out", str(out)],
        env=ENV,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def objects(ics: bytes) -> dict[str, str]:
    """plan.ics split into one calendar object per UID, each with the VTIMEZONE it needs."""
    whole = Calendar.from_ical(ics)
    parts = {}
    for event in whole.walk("VEVENT"):
        one = Calendar()
        for key in ("PRODID", "VERSION", "CALSCALE"):
            one.add(key, whole[key])
        for zone in whole.walk("VTIMEZONE"):
            one.add_component(zone)
        one.add_component(event)
        parts[str(event["UID"])] = one.to_ical().decode("utf-8")
    return parts


def push(calendar: Any, out: Path) -> None:
    for body in objects((out / "plan.ics").read_bytes()).values():
        # planner sets SEQUENCE; the caldav library would otherwise raise it on every save.
        calendar.add_event(body, increase_seqno=False)


Row = tuple[str, dt.datetime, dt.datetime, str, int]


def rows(events: list[Any]) -> list[Row]:
    """(UID, start, end, STATUS, SEQUENCE) of each VEVENT."""
    return [
        (
            str(event["UID"]),
            event["DTSTART"].dt,
            event["DTEND"].dt,
            str(event.get("STATUS", "CONFIRMED")),
            int(event.get("SEQUENCE", 0)),
        )
        for event in events
    ]


def held(calendar: Any) -> list[Row]:
    """What the server holds: one VEVENT per calendar object."""
    return rows([Calendar.from_ical(obj.data).walk("VEVENT")[0] for obj in calendar.events()])


def in_file(out: Path) -> list[Row]:
    return rows(Calendar.from_ical((out / "plan.ics").read_bytes()).walk("VEVENT"))


def planned(out: Path) -> dict[str, dt.datetime]:
    """UID -> local start of the active events, from plan.csv (a second, independent source)."""
    with (out / "plan.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["uid"]: dt.datetime.fromisoformat(f"{row['date']}T{row['start']}")
            for row in csv.DictReader(handle)
        }


def test_regenerated_plans_update_a_caldav_calendar_in_place(radicale: str, tmp_path: Path) -> None:
    client = caldav.DAVClient(url=radicale, username="runner", password="any")
    calendar = client.principal().make_calendar(name=NAME, cal_id="spring-5k")
    long_csv, short_csv = tmp_path / "long.csv", tmp_path / "short.csv"
    long_csv.write_text(LONG)
    short_csv.write_text(SHORT)
    out = tmp_path / "plan"

    # 1. The first plan.
    build(long_csv, "2027-04-18", out)
    push(calendar, out)
    first = held(calendar)
    count = len(first)
    assert count > 12
    assert sorted(first) == sorted(in_file(out))

    # 2. The race moves two weeks later: every object moves, none is added.
    output = build(long_csv, "2027-05-02", out)
    assert f"Changes: moved {count}, changed 0, added 0, cancelled 0, unchanged 0\n" in output
    push(calendar, out)
    moved = held(calendar)
    assert len(moved) == len({uid for uid, *_ in moved}) == count
    assert sorted(moved) == sorted(in_file(out))
    before = {uid: start for uid, start, *_ in first}
    for uid, start, _end, status, sequence in moved:
        assert start - before[uid] == dt.timedelta(days=14)
        assert (status, sequence) == ("CONFIRMED", 1)
    assert {uid: start.replace(tzinfo=None) for uid, start, *_ in moved} == planned(out)
    # The server itself finds nothing left in the weeks the plan moved out of.
    berlin = first[0][1].tzinfo
    assert not calendar.search(
        event=True,
        start=dt.datetime(2027, 4, 5, tzinfo=berlin),
        end=dt.datetime(2027, 4, 19, tzinfo=berlin),
    )

    # 3. A shorter plan: its first week's events stay on the server, cancelled.
    output = build(short_csv, "2027-05-02", out)
    push(calendar, out)
    short = held(calendar)
    assert len(short) == len({uid for uid, *_ in short}) == count
    assert sorted(short) == sorted(in_file(out))
    cancelled = {uid for uid, _, _, status, _ in short if status == "CANCELLED"}
    assert cancelled
    assert f"cancelled {len(cancelled)}," in output
    assert {uid for uid, *_ in short} - cancelled == set(planned(out))
    for uid, start, _end, _status, sequence in short:
        if uid in cancelled:
            assert sequence == 2
            assert start - before[uid] == dt.timedelta(days=14)  # where it last was

    # 4. The longer plan again: the cancelled events come back, one SEQUENCE higher.
    output = build(long_csv, "2027-05-02", out)
    assert f"revived {len(cancelled)}," in output
    push(calendar, out)
    back = held(calendar)
    assert len(back) == count
    assert {status for *_, status, _ in back} == {"CONFIRMED"}
    assert {uid: sequence for uid, *_, sequence in back if uid in cancelled} == dict.fromkeys(
        cancelled, 3
    )
    assert sorted(back) == sorted(in_file(out))
