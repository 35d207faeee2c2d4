"""Regenerating through the real command: build into a folder that holds the plan,
--dry-run, and `planner reschedule` on an exported plan.ics."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from icalendar import Calendar

from planner.export.vtimezone import vtimezone
from tests.conftest import WEEKS, invoke

SHORTER = "week,miles,long_run\n1,14,6\n2,10,3.1\n"


@pytest.fixture
def weeks(tmp_path: Path) -> Path:
    path = tmp_path / "spring.csv"
    path.write_text(WEEKS)
    return path


def build(mileage: Path, out: Path, race_date: str = "2027-04-18", *more: str) -> Result:
    result = invoke(
        "build", str(mileage), "--race-date", race_date, "--timezone", "Europe/Berlin",
        "--out", str(out), *more,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the folder with its bytes and mtime (in ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def events(path: Path) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Etc/UTC"])
def test_the_same_inputs_change_nothing_byte_for_byte(
    weeks: Path, tmp_path: Path, zone: str
) -> None:
    """Etc/UTC too, whose times the file writes as UTC ("Z") without naming the zone."""
    out = tmp_path / "out"
    first = build(weeks, out, "2027-04-18", "--timezone", zone)
    assert "Changes:" not in first.output  # nothing to compare with yet
    before = {name: data for name, (data, _) in snapshot(out).items()}
    again = build(weeks, out, "2027-04-18", "--timezone", zone)
    count = len(events(out / "plan.ics"))
    assert f"\nChanges: moved 0, changed 0, added 0, cancelled 0, unchanged {count}\n" in (
        again.output
    )
    assert {name: data for name, (data, _) in snapshot(out).items()} == before


def test_dry_run_writes_nothing(weeks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    fresh = invoke("build", str(weeks), "--race-date", "2027-04-18", "--out", str(out),
                   "--timezone", "Europe/Berlin", "--dry-run")  # fmt: skip
    assert fresh.exit_code == 0, fresh.output
    assert not out.exists()
    real = build(weeks, out)
    assert fresh.output == real.output.replace("Wrote", "Would write").replace(
        " bytes)\n", " bytes); dry run\n"
    )

    before = snapshot(out)
    moved = build(weeks, out, "2027-05-02", "--dry-run")
    count = len(events(out / "plan.ics"))
    assert f"Changes: moved {count}, changed 0, added 0, cancelled 0, unchanged 0\n" in (
        moved.output
    )
    assert f"Would write {out / 'plan.ics'} (" in moved.output
    rescheduled = invoke("reschedule", str(out / "plan.ics"), "--race-date", "2027-05-02",
                         "--dry-run")  # fmt: skip
    assert rescheduled.exit_code == 0, rescheduled.output
    assert f"Changes: moved {count}," in rescheduled.output
    assert snapshot(out) == before  # same files, same bytes, same mtimes, no temp files


def test_a_shorter_plan_keeps_the_dropped_events_cancelled(weeks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(weeks, out, "2027-04-18", "--name", "Spring")
    old = events(out / "plan.ics")
    shorter = tmp_path / "shorter.csv"
    shorter.write_text(SHORTER)
    result = build(shorter, out, "2027-04-18", "--name", "Spring")
    new = events(out / "plan.ics")
    cancelled = {uid for uid, e in new.items() if e.get("STATUS") == "CANCELLED"}
    assert f", cancelled {len(cancelled)}, " in result.output
    assert set(new) == set(old)
    for uid in cancelled:
        assert new[uid]["SEQUENCE"] == 1
        assert new[uid]["DTSTART"].dt == old[uid]["DTSTART"].dt
        assert new[uid]["DESCRIPTION"] == old[uid]["DESCRIPTION"]
    # plan.csv lists what is planned, not what was dropped.
    csv_uids = {line.rsplit(",", 1)[1] for line in (out / "plan.csv").read_text().splitlines()[1:]}
    assert csv_uids == set(new) - cancelled


def test_another_plans_folder_is_left_alone(weeks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(weeks, out)
    before = snapshot(out)
    result = invoke("build", str(weeks), "--race-date", "2027-04-18", "--name", "Other",
                    "--out", str(out))  # fmt: skip
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {out / 'plan.ics'}: holds the plan 'spring', not 'Other'; choose"
        " another --out folder, or name the plan 'spring' to update it\n",
    )
    (out / "plan.ics").write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    result = invoke("build", str(weeks), "--race-date", "2027-04-18", "--out", str(out))
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {out / 'plan.ics'}: has no events; expected a plan.ics written by"
        " planner build\n",
    )
    assert snapshot(out)["plan.csv"] == before["plan.csv"]


def test_a_build_without_ics_does_not_compare(weeks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(weeks, out)
    ics = (out / "plan.ics").read_bytes()
    result = build(weeks, out, "2027-05-02", "--format", "csv")
    assert "Changes:" not in result.output
    assert (out / "plan.ics").read_bytes() == ics


def test_reschedule_moves_every_event_as_a_rebuild_would(weeks: Path, tmp_path: Path) -> None:
    rebuilt, moved = tmp_path / "rebuilt", tmp_path / "moved"
    build(weeks, rebuilt, "2027-04-18", "--remind", "15")
    shutil.copytree(rebuilt, moved)
    count = len(events(moved / "plan.ics"))

    result = invoke("reschedule", str(moved / "plan.ics"), "--race-date", "2028-01-09")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Rescheduled 'spring': race day Sun 18 Apr 2027 -> Sun 09 Jan 2028 (Europe/Berlin).",
        f"Changes: moved {count}, changed 0, added 0, cancelled 0, unchanged 0",
        f"Wrote {moved / 'plan.ics'} ({(moved / 'plan.ics').stat().st_size:,} bytes)",
        f"Left {moved / 'plan.csv'} as it was (old dates); rebuild from the mileage CSV to"
        " update it.",
    ]
    # The same file that rebuilding from the CSV with the new race date writes.
    build(weeks, rebuilt, "2028-01-09", "--remind", "15")
    assert (moved / "plan.ics").read_bytes() == (rebuilt / "plan.ics").read_bytes()
    calendar = Calendar.from_ical((moved / "plan.ics").read_bytes())
    (zone,) = calendar.walk("VTIMEZONE")
    plan = {e["X-PLANNER-DAYS-BEFORE-RACE"]: e["DTSTART"].dt for e in calendar.walk("VEVENT")}
    first = min(plan.values()).date()
    # The VTIMEZONE is made for the new span (December 2027 to January 2028).
    assert zone.to_ical() == vtimezone("Europe/Berlin", first - dt.timedelta(days=1),
                                       dt.date(2028, 1, 9)).to_ical()  # fmt: skip
    assert {e["SEQUENCE"] for e in calendar.walk("VEVENT")} == {1}


def test_reschedule_to_another_folder_and_all_day_plans(weeks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(weeks, out, "2027-04-18", "--all-day")
    result = invoke("reschedule", str(out / "plan.ics"), "--race-date", "2027-04-25",
                    "--out", str(tmp_path / "later"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Rescheduled 'spring': race day Sun 18 Apr 2027 -> Sun 25 Apr 2027 (all-day events).\n"
    )
    assert sorted(p.name for p in (tmp_path / "later").iterdir()) == ["plan.ics"]
    old, new = events(out / "plan.ics"), events(tmp_path / "later" / "plan.ics")
    for uid, event in new.items():
        assert event["DTSTART"].dt == old[uid]["DTSTART"].dt + dt.timedelta(days=7)
        assert not isinstance(event["DTSTART"].dt, dt.datetime)
    assert b"VTIMEZONE" not in (tmp_path / "later" / "plan.ics").read_bytes()


def test_reschedule_refuses_files_it_did_not_write(tmp_path: Path) -> None:
    dentist = tmp_path / "dentist.ics"
    dentist.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        b"DTSTAMP:20270101T000000Z\r\nDTSTART:20270105T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    result = invoke("reschedule", str(dentist), "--race-date", "2027-05-02")
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {dentist}: is not a plan.ics written by planner (its events have no"
        " X-PLANNER-PLAN), so planner won't update or replace it\n",
    )
    result = invoke("reschedule", str(tmp_path / "nope.ics"), "--race-date", "2027-05-02")
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {tmp_path / 'nope.ics'}: file not found\n",
    )


def test_reschedule_into_another_plans_folder_is_refused(weeks: Path, tmp_path: Path) -> None:
    build(weeks, tmp_path / "a")
    build(weeks, tmp_path / "b", "2027-04-18", "--name", "Other")
    before = snapshot(tmp_path / "b")
    result = invoke("reschedule", str(tmp_path / "a" / "plan.ics"), "--race-date", "2027-05-02",
                    "--out", str(tmp_path / "b"))  # fmt: skip
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {tmp_path / 'b' / 'plan.ics'}: holds the plan 'Other', not 'spring';"
        " choose another --out folder\n",
    )
    assert snapshot(tmp_path / "b") == before


def test_rebuilding_a_plan_with_shortened_descriptions_changes_nothing(tmp_path: Path) -> None:
    """A long plan's events carry compact or brief descriptions (Google's 1 MB limit); the
    comparison with the previous file must use that text, not the full one."""
    long_plan = tmp_path / "long.csv"
    long_plan.write_text(
        "week,miles,long_run\n" + "".join(f"{n},{20 + n % 7},{8 + n % 4}\n" for n in range(1, 61))
    )
    out = tmp_path / "out"
    first = build(long_plan, out, "2028-04-16")
    assert "Descriptions: " in first.output
    before = (out / "plan.ics").read_bytes()
    again = build(long_plan, out, "2028-04-16")
    events = before.count(b"BEGIN:VEVENT")
    assert f"Changes: moved 0, changed 0, added 0, cancelled 0, unchanged {events}" in again.output
    assert (out / "plan.ics").read_bytes() == before
