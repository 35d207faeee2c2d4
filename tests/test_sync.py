"""`planner sync` against real CalDAV servers on 127.0.0.1: Radicale with htpasswd logins
(and once each with TLS and with a coach's read-only calendar), and Xandikos, a second
server with its own reading of the RFCs.

What the servers hold is read back with the caldav library; writes are counted by a small
proxy in front of the server (tests/http_proxy.py), which can also cut a sync off mid-way.
One server of each kind serves the whole module; each test syncs into calendars of its own.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import os
import pty
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import caldav
import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar, Event

from planner.cli import cli
from planner.sync import Calendar as SyncCalendar
from planner.sync import HeldEvent, compare, fingerprint, is_plain_http_elsewhere, plan_events
from tests.caldav_server import USER, radicale_server, xandikos_server
from tests.http_proxy import HttpProxy

PASSWORD = "correct horse battery"
NAME = "Spring 5K"
LONG = "week,miles,long_run,runs\n1,8,5,2\n2,6,3.1,2\n"
SHORT = "week,miles,long_run,runs\n1,6,3.1,2\n"  # LONG without its first week
_names = itertools.count(1)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpProxy]:
    """Radicale that lets in USER with PASSWORD only, behind a counting proxy."""
    folder = tmp_path_factory.mktemp("radicale-sync")
    with radicale_server(folder, password=PASSWORD) as server, HttpProxy(server.url) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def xandikos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpProxy]:
    folder = tmp_path_factory.mktemp("xandikos")
    with xandikos_server(folder) as server, HttpProxy(server.url) as proxy:
        yield proxy


@pytest.fixture(params=["radicale", "xandikos"])
def server(request: pytest.FixtureRequest) -> HttpProxy:
    proxy: HttpProxy = request.getfixturevalue(request.param)
    proxy.reset()
    return proxy


@pytest.fixture
def proxy(radicale: HttpProxy) -> HttpProxy:
    radicale.reset()
    return radicale


def build(
    tmp_path: Path, csv_text: str, race_date: str, name: str = NAME, clock: str = "1790000000"
) -> Path:
    """Build into tmp_path/plan, at the clock reading given (seconds since 1970)."""
    tmp_path.mkdir(exist_ok=True)
    mileage = tmp_path / "mileage.csv"
    mileage.write_text(csv_text)
    out = tmp_path / "plan"
    result = CliRunner().invoke(
        cli,
        ["build", str(mileage), "--race-date", race_date, "--timezone", "Europe/Berlin",
         "--name", name, "--remind", "10", "--out", str(out)],
        env={"SOURCE_DATE_EPOCH": clock},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def sync(url: str, plan: Path, *args: str, password: str | None = PASSWORD) -> Result:
    env = {"PLANNER_CALDAV_PASSWORD": password}
    return CliRunner().invoke(
        cli, ["sync", str(plan), "--url", url, "--user", USER, *args], env=env
    )


def fresh_calendar() -> str:
    return f"Plan calendar {next(_names)}"


def calendar_of(url: str, name: str) -> Any:
    client = caldav.DAVClient(url=url, username=USER, password=PASSWORD)
    (calendar,) = [c for c in client.principal().calendars() if c.get_display_name() == name]
    return calendar


Held = dict[str, tuple[dt.datetime, dt.datetime, str, list[dt.timedelta]]]


def held(calendar: Any) -> Held:
    """UID -> (start, end, title, reminders) of every event on the server, read with caldav;
    asserts that no UID is there twice."""
    events = [Calendar.from_ical(obj.data).walk("VEVENT")[0] for obj in calendar.events()]
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)), "a UID is on the server twice"
    return {str(e["UID"]): _seen(e) for e in events}


def planned(plan: Path) -> Held:
    """The same, for the events plan.ics holds active (not cancelled)."""
    events = Calendar.from_ical((plan / "plan.ics").read_bytes()).walk("VEVENT")
    return {str(e["UID"]): _seen(e) for e in events if str(e.get("STATUS", "")) != "CANCELLED"}


def _seen(event: Any) -> tuple[dt.datetime, dt.datetime, str, list[dt.timedelta]]:
    triggers = [alarm["TRIGGER"].dt for alarm in event.walk("VALARM")]
    return event["DTSTART"].dt, event["DTEND"].dt, str(event["SUMMARY"]), triggers


def summary_line(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[0]


def test_first_sync_puts_exactly_the_plan_on_the_server(server: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    result = sync(server.url, plan, "--calendar", name)
    calendar = calendar_of(server.url, name)
    expected = planned(plan)
    # Week 1: 2 runs, their 4 routines before and after, legs up the wall and 2 strength
    # days; race week the same without the strength days.
    assert len(expected) == 9 + 7
    assert {str(reminders) for *_, reminders in expected.values()} == {
        "[datetime.timedelta(days=-1, seconds=85800)]"  # 10 minutes before
    }
    assert summary_line(result) == (
        f"Synced {NAME!r} into {name!r} ({calendar.url}): created 16, updated 0, removed 0,"
        " unchanged 0."
    )
    assert held(calendar) == expected
    assert server.methods["PUT"] == 16
    assert server.methods["MKCALENDAR"] == 1


def test_a_second_sync_with_nothing_changed_writes_nothing(
    server: HttpProxy, tmp_path: Path
) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    assert sync(server.url, plan, "--calendar", name).exit_code == 0
    server.reset()
    result = sync(server.url, plan, "--calendar", name)
    calendar = calendar_of(server.url, name)
    assert (
        summary_line(result)
        == f"Calendar {name!r} ({calendar.url}) is up to date: 16 events unchanged."
    )
    assert result.output.count("\n") == 1
    assert server.writes() == 0
    assert server.methods["REPORT"] == 1  # one listing, not a request per event
    # A rebuild with the same inputs an hour later (a new DTSTAMP in every event) changes
    # nothing a calendar shows: still no writes.
    build(tmp_path, LONG, "2027-04-18", clock="1790003600")
    assert b"DTSTAMP:20260921T151320Z" in (plan / "plan.ics").read_bytes()  # was 141320Z
    server.reset()
    assert "is up to date" in summary_line(sync(server.url, plan, "--calendar", name))
    assert server.writes() == 0


def test_a_moved_race_date_moves_the_same_events(server: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    assert sync(server.url, plan, "--calendar", name).exit_code == 0
    calendar = calendar_of(server.url, name)
    before = held(calendar)

    build(tmp_path, LONG, "2027-05-02")
    server.reset()
    result = sync(server.url, plan, "--calendar", name)
    assert summary_line(result) == (
        f"Synced {NAME!r} into {name!r} ({calendar.url}): created 0, updated 16, removed 0,"
        " unchanged 0."
    )
    after = held(calendar)
    assert after == planned(plan)
    assert set(after) == set(before)  # the same UIDs, nothing added
    for uid, (start, end, title, reminders) in after.items():
        assert (start - before[uid][0], end - before[uid][1]) == (dt.timedelta(days=14),) * 2
        assert (title, reminders) == before[uid][2:]
    # One PUT each; Xandikos turns away a write while it commits another (423 Locked), and
    # those are sent again.
    assert server.methods["PUT"] >= 16
    assert server.writes() == server.methods["PUT"]


def test_a_shorter_plan_removes_the_dropped_events(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    assert sync(proxy.url, plan, "--calendar", name).exit_code == 0
    long_uids = set(planned(plan))

    build(tmp_path, SHORT, "2027-04-18")  # keeps week 1's events in plan.ics, cancelled
    calendar = calendar_of(proxy.url, name)
    dropped = long_uids - set(planned(plan))
    # Week 1 held 9 events (its strength days among them); week 2's 7 stay at their times
    # but their descriptions now say "Week 1 of 1".
    assert len(dropped) == 9
    result = sync(proxy.url, plan, "--calendar", name)
    assert summary_line(result) == (
        f"Synced {NAME!r} into {name!r} ({calendar.url}): created 0, updated 7, removed 9,"
        " unchanged 0."
    )
    assert held(calendar) == planned(plan)
    assert proxy.methods["DELETE"] == 9

    # The longer plan again brings them back, as new events.
    build(tmp_path, LONG, "2027-04-18")
    result = sync(proxy.url, plan, "--calendar", name)
    assert "created 9, updated 7, removed 0, unchanged 0." in summary_line(result)
    assert held(calendar) == planned(plan)

    # The short plan built afresh in another folder holds no cancelled events at all: the
    # plan's events it doesn't hold go all the same.
    fresh = build(tmp_path / "elsewhere", SHORT, "2027-04-18")
    result = sync(proxy.url, fresh, "--calendar", name)
    assert "created 0, updated 7, removed 9, unchanged 0." in summary_line(result)
    assert held(calendar) == planned(fresh)


def test_events_planner_did_not_write_are_untouched(proxy: HttpProxy, tmp_path: Path) -> None:
    name = fresh_calendar()
    plan = build(tmp_path / "a", LONG, "2027-04-18")
    other = build(tmp_path / "b", SHORT, "2027-04-25", name="Autumn 10K")
    assert sync(proxy.url, plan, "--calendar", name).exit_code == 0
    assert sync(proxy.url, other, "--calendar", name).exit_code == 0
    calendar = calendar_of(proxy.url, name)
    dentist = Event()
    dentist.add("uid", "dentist-2027@example.com")
    dentist.add("dtstamp", dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    dentist.add("dtstart", dt.datetime(2027, 4, 13, 9, 0, tzinfo=dt.UTC))
    dentist.add("dtend", dt.datetime(2027, 4, 13, 10, 0, tzinfo=dt.UTC))
    dentist.add("summary", "Dentist")
    wrapper = Calendar()
    wrapper.add("prodid", "-//test//EN")
    wrapper.add("version", "2.0")
    wrapper.add_component(dentist)
    calendar.add_event(wrapper.to_ical().decode())

    def others() -> dict[str, tuple[str, str]]:
        return {
            str(Calendar.from_ical(o.data).walk("VEVENT")[0]["UID"]): (str(o.url), o.data)
            for o in calendar.events()
            if "spring-5k" not in o.data
        }

    untouched = others()
    assert len(untouched) == 1 + len(planned(other))
    # A moved and shortened first plan: its own events change, nothing else does.
    build(tmp_path / "a", SHORT, "2027-05-02")
    result = sync(proxy.url, plan, "--calendar", name)
    assert "created 0, updated 7, removed 9, unchanged 0." in summary_line(result)
    assert others() == untouched
    assert {uid for uid in held(calendar) if "spring-5k" in uid} == set(planned(plan))


def test_an_event_edited_in_the_calendar_is_kept_and_reported(
    proxy: HttpProxy, tmp_path: Path
) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    assert sync(proxy.url, plan, "--calendar", name).exit_code == 0
    calendar = calendar_of(proxy.url, name)
    (long_run,) = [o for o in calendar.events() if "-long-run-t7@" in o.data]
    # The runner moves Sunday's long run to Saturday afternoon, as a calendar app would save
    # it: the whole event back, with their change (and a SEQUENCE one higher).
    edited = Calendar.from_ical(long_run.data)
    event = edited.walk("VEVENT")[0]
    uid = str(event["UID"])
    start = dt.datetime(2027, 4, 10, 15, 0, tzinfo=event["DTSTART"].dt.tzinfo)
    length = event["DTEND"].dt - event["DTSTART"].dt
    event["DTSTART"].dt = start
    event["DTEND"].dt = start + length
    event["SEQUENCE"] = 1
    long_run.data = edited.to_ical().decode()
    long_run.save(increase_seqno=False)

    build(tmp_path, LONG, "2027-05-02")  # the race moves: the plan moves that long run too
    result = sync(proxy.url, plan, "--calendar", name)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "Kept 1 event(s) as you edited them in your calendar; delete one there and sync again"
        " to get the plan's version back:",
        "  Sat 10 Apr 2027 15:00  Long run 5 mi",
    ]
    assert "created 0, updated 15, removed 0, unchanged 0." in summary_line(result)
    now = held(calendar)
    assert now[uid][0] == start  # as the runner left it
    expected = planned(plan)
    assert {k: v for k, v in now.items() if k != uid} == {
        k: v for k, v in expected.items() if k != uid
    }

    # Deleted in the calendar, it comes back as the plan has it.
    (long_run,) = [o for o in calendar.events() if uid in o.data]
    long_run.delete()
    result = sync(proxy.url, plan, "--calendar", name)
    assert "created 1, updated 0, removed 0, unchanged 15." in summary_line(result)
    assert held(calendar) == expected


def test_the_url_may_be_the_calendar_itself(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    client = caldav.DAVClient(url=proxy.url, username=USER, password=PASSWORD)
    calendar = client.principal().make_calendar(name="Training", cal_id="training")
    url = str(calendar.url)
    assert url == f"{proxy.url}{USER}/training/"
    result = sync(url.rstrip("/"), plan)  # with or without its trailing slash
    assert summary_line(result) == (
        f"Synced {NAME!r} into 'Training' ({url}): created 16, updated 0, removed 0, unchanged 0."
    )
    assert held(calendar) == planned(plan)
    assert [c.get_display_name() for c in client.principal().calendars()].count(NAME) == 0


def test_a_dry_run_says_what_would_change_and_writes_nothing(
    proxy: HttpProxy, tmp_path: Path
) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    result = sync(proxy.url, plan, "--calendar", name, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Would sync {NAME!r} into {name!r} ({proxy.url}{USER}/) (the calendar would be"
        " created): created 16, updated 0, removed 0, unchanged 0; dry run.\n"
    )
    assert proxy.writes() == 0
    assert sync(proxy.url, plan, "--calendar", name).exit_code == 0
    build(tmp_path, SHORT, "2027-05-02")
    proxy.reset()
    result = sync(proxy.url, plan, "--calendar", name, "--dry-run")
    calendar = calendar_of(proxy.url, name)
    assert result.output == (
        f"Would sync {NAME!r} into {name!r} ({calendar.url}): created 0, updated 7,"
        " removed 9, unchanged 0; dry run.\n"
    )
    assert proxy.writes() == 0


def test_a_sync_cut_off_mid_way_is_completed_by_the_next(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    # MKCALENDAR and 5 PUTs get through; the next PUT reaches the server, but the connection
    # breaks before its answer comes back, and so do the writes after it.
    proxy.cut_after_writes = 6
    result = sync(proxy.url, plan, "--calendar", name)
    assert result.exit_code == 1, result.output
    (line,) = result.output.splitlines()
    host = proxy.url.split("/")[2]
    done = re.fullmatch(
        f"planner: error: the connection to {re.escape(host)} broke off"
        r" \((\d+) of 16 changes confirmed; run planner sync again to finish\)",
        line,
    )
    assert done is not None, line
    calendar = calendar_of(proxy.url, name)
    partly = held(calendar)
    # The five PUTs let through are stored, maybe more: the server may have stored those whose
    # answer never came back.
    assert 5 <= len(partly) < 16
    assert int(done[1]) <= len(partly)

    proxy.reset()
    result = sync(proxy.url, plan, "--calendar", name)
    assert summary_line(result).endswith(
        f"created {16 - len(partly)}, updated 0, removed 0, unchanged {len(partly)}."
    )
    assert held(calendar) == planned(plan)
    assert "is up to date" in summary_line(sync(proxy.url, plan, "--calendar", name))


def test_a_sync_stopped_with_ctrl_c_is_completed_by_the_next(
    proxy: HttpProxy, tmp_path: Path
) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    command = [sys.executable, "-m", "planner", "sync", str(plan), "--url", proxy.url,
               "--user", USER, "--calendar", name, "--timeout", "3"]  # fmt: skip
    env = {**os.environ, "PLANNER_CALDAV_PASSWORD": PASSWORD}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        # MKCALENDAR and 5 PUTs sent: with 4 writes at a time, the 5th went once one of
        # the first 4 was answered, so the sync is under way.
        while proxy.writes() < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        proxy.hold = True  # the server seems to stall; the runner presses Ctrl-C
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1
    assert out == b""
    assert err == (
        b"planner: error: sync interrupted; run planner sync again to finish (nothing is"
        b" duplicated)\n"
    )
    proxy.reset()
    calendar = calendar_of(proxy.url, name)
    partly = held(calendar)
    assert 1 <= len(partly) < 16
    result = sync(proxy.url, plan, "--calendar", name)
    assert summary_line(result).endswith(
        f"created {16 - len(partly)}, updated 0, removed 0, unchanged {len(partly)}."
    )
    assert held(calendar) == planned(plan)


def test_a_terminal_gets_a_progress_bar(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    name = fresh_calendar()
    command = [sys.executable, "-m", "planner", "sync", str(plan), "--url", proxy.url,
               "--user", USER, "--calendar", name]  # fmt: skip
    env = {**os.environ, "PLANNER_CALDAV_PASSWORD": PASSWORD, "COLUMNS": "80"}
    terminal, its_end = pty.openpty()
    try:
        result = subprocess.run(
            command, env=env, stdout=subprocess.PIPE, stderr=its_end, timeout=60
        )
        os.close(its_end)
        shown = b""
        while chunk := _read_or_nothing(terminal):
            shown += chunk
    finally:
        os.close(terminal)
    assert result.returncode == 0
    assert result.stdout.decode().startswith(f"Synced {NAME!r} into {name!r}")
    assert b"Syncing" in shown
    assert b"16/16" in shown or b"100%" in shown, shown


def test_on_a_terminal_the_password_is_asked_for_unseen(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    env = {**os.environ, "HOME": str(tmp_path), "COLUMNS": "80"}
    env.pop("PLANNER_CALDAV_PASSWORD", None)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    command = [sys.executable, "-m", "planner", "sync", str(plan), "--url", proxy.url,
               "--user", USER, "--dry-run"]  # fmt: skip
    child, terminal = pty.fork()  # the child gets the terminal as its own, as in a shell
    if child == 0:
        os.execve(sys.executable, command, env)
    try:
        shown = b""
        while b"Password for runner on 127.0.0.1: " not in shown:
            chunk = _read_or_nothing(terminal)
            assert chunk, shown
            shown += chunk
        os.write(terminal, PASSWORD.encode() + b"\n")
        while chunk := _read_or_nothing(terminal):
            shown += chunk
    finally:
        os.close(terminal)
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, shown
    assert PASSWORD.encode() not in shown  # not echoed as it was typed
    assert f"Would sync {NAME!r} into {NAME!r}".encode() in shown


def _read_or_nothing(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 65536)
    except OSError:  # the other end is closed
        return b""


def test_a_wrong_password_is_one_line_and_exit_2(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    result = sync(proxy.url, plan, password="wrong horse")
    assert result.exit_code == 2
    host = proxy.url.split("/")[2]
    assert result.output == (
        f"planner: error: login: {host} did not accept the user name and password (401);"
        " check --user and the password (an app-specific one for iCloud)\n"
    )
    assert proxy.writes() == 0


def test_the_password_comes_from_netrc(
    proxy: HttpProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    monkeypatch.setenv("HOME", str(tmp_path))
    netrc = tmp_path / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD.replace(' ', '_')}\n")
    netrc.chmod(0o600)
    result = CliRunner().invoke(cli, ["sync", str(plan), "--url", proxy.url])
    assert result.exit_code == 2  # netrc's password (with underscores) is not the right one
    assert "did not accept the user name and password" in result.output
    netrc.write_text(f'machine 127.0.0.1 login {USER} password "{PASSWORD}"\n')
    result = CliRunner().invoke(cli, ["sync", str(plan), "--url", proxy.url, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Would sync {NAME!r} into {NAME!r}")


def test_the_user_name_may_be_in_the_address(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    url = proxy.url.replace("http://", f"http://{USER}@")
    password = {"PLANNER_CALDAV_PASSWORD": PASSWORD}
    result = CliRunner().invoke(cli, ["sync", str(plan), "--url", url, "--dry-run"], env=password)
    assert result.output == (
        f"Would sync {NAME!r} into {NAME!r} ({proxy.url}{USER}/) (the calendar would be"
        " created): created 16, updated 0, removed 0, unchanged 0; dry run.\n"
    )


def test_the_password_comes_from_the_keyring(proxy: HttpProxy, tmp_path: Path) -> None:
    """Stored with the keyring command as the README says, in keyrings.alt's file keyring (a
    real backend, for machines without a desktop keyring)."""
    plan = build(tmp_path, LONG, "2027-04-18")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env.pop("PLANNER_CALDAV_PASSWORD", None)
    store = [sys.executable, "-m", "keyring", "set", "127.0.0.1", USER]
    subprocess.run(store, env=env, input=PASSWORD.encode(), check=True, capture_output=True)
    command = [sys.executable, "-m", "planner", "sync", str(plan), "--url", proxy.url,
               "--user", USER, "--dry-run"]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, stdin=subprocess.DEVNULL)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.startswith(f"Would sync {NAME!r} into {NAME!r}".encode())


def test_no_password_anywhere_says_where_to_put_one(
    proxy: HttpProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    result = CliRunner().invoke(cli, ["sync", str(plan), "--url", proxy.url, "--user", USER])
    assert result.exit_code == 2
    assert result.output == (
        f"planner: error: login: no password for {USER} on 127.0.0.1: set"
        f" PLANNER_CALDAV_PASSWORD, store it with 'keyring set 127.0.0.1 {USER}', or add it"
        " to ~/.netrc\n"
    )
    assert proxy.methods.total() == 0


def test_errors_about_the_address_and_the_network(proxy: HttpProxy, tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    result = sync(proxy.url + "no/such/place/", plan)
    assert result.exit_code == 2
    assert result.output == (
        f"planner: error: --url: nothing at {proxy.url}no/such/place/ (404 Not Found); give"
        " your server's CalDAV address\n"
    )
    for url, message in [
        ("http://127.0.0.1:99999/", "'http://127.0.0.1:99999/' has a port that is not a number"
         " up to 65535"),
        ("ftp://127.0.0.1/", "expected an https:// address such as https://caldav.icloud.com/,"
         " found 'ftp://127.0.0.1/'"),
        (f"http://{USER}:{PASSWORD}@127.0.0.1/", "holds a password; leave it out of the address"
         " and give it as the README's 'Sync into your own calendar' says"
         " (PLANNER_CALDAV_PASSWORD, keyring, ~/.netrc)"),
    ]:  # fmt: skip
        result = sync(url, plan)
        assert (result.exit_code, result.output) == (2, f"planner: error: --url: {message}\n")
    # Nothing listens on a port just closed.
    with HttpProxy(proxy.url) as gone:
        url = gone.url
    result = sync(url, plan)
    assert result.exit_code == 1
    assert result.output == (
        f"planner: error: {url.split('/')[2]} refused the connection; check the server is up"
        " and the port\n"
    )
    # A server that has stopped answering.
    proxy.hold = True
    result = sync(proxy.url, plan, "--timeout", "1")
    assert result.exit_code == 1
    assert result.output == (
        f"planner: error: {proxy.url.split('/')[2]} did not answer within 1 s; try again"
        " later, or raise --timeout\n"
    )


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that signs itself (no authority vouches for it), and its
    key: PEM files, as a private server has them."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = folder / "cert.pem", folder / "key.pem"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_file, key_file


def test_tls_is_verified_and_a_private_authority_can_be_named(tmp_path: Path) -> None:
    certificate, key = self_signed_certificate(tmp_path)
    plan = build(tmp_path, LONG, "2027-04-18")
    with radicale_server(tmp_path / "tls", password=PASSWORD, tls=(certificate, key)) as server:
        assert server.url.startswith("https://127.0.0.1:")
        result = sync(server.url, plan)
        assert result.exit_code == 2
        assert result.output.startswith("planner: error: --url: 127.0.0.1:"), result.output
        assert result.output.endswith(
            "'s certificate is not trusted (self-signed certificate); if the server uses a"
            " private certificate authority, pass its certificate with --ca-bundle FILE\n"
        ), result.output
        result = sync(server.url, plan, "--ca-bundle", str(certificate))
        assert summary_line(result).endswith("created 16, updated 0, removed 0, unchanged 0.")


COACH_SHARES = f"""
[the coach's own account]
user: coach
collection: coach(/.*)?
permissions: RrWw
[the runner's account, where they may not make calendars]
user: {USER}
collection: {USER}
permissions: RW
[the runner reads the coach's calendars, and may change nothing]
user: {USER}
collection: (coach|{USER})/.+
permissions: Rr
[the root]
user: .+
collection:
permissions: R
"""


def test_calendars_the_user_may_not_change_are_one_line(tmp_path: Path) -> None:
    plan = build(tmp_path, LONG, "2027-04-18")
    folder = tmp_path / "shared"
    with radicale_server(
        folder, password=PASSWORD, rights=COACH_SHARES, more_users={"coach": "whistle"}
    ) as server:
        coach = caldav.DAVClient(url=server.url, username="coach", password="whistle")
        club = coach.principal().make_calendar(name="Club plan", cal_id="club")
        # A calendar shared to read only.
        result = sync(str(club.url), plan)
        assert result.exit_code == 2
        assert result.output == (
            "planner: error: --calendar: the server does not let this user change events in"
            " this calendar (403 Forbidden); sync into a calendar of your own, or one shared"
            " with you to edit\n"
        )
        # An account where the user may not make calendars.
        result = sync(server.url, plan, "--calendar", "Mine")
        assert result.exit_code == 2
        assert result.output == (
            "planner: error: --calendar: the server would not create a calendar named 'Mine'"
            " (403 Forbidden); create it in your calendar app, then sync again\n"
        )
        assert list(club.events()) == []


def test_plain_http_is_flagged_for_other_machines_only() -> None:
    assert is_plain_http_elsewhere("http://cal.example.com/dav/")
    assert is_plain_http_elsewhere("http://192.168.1.20:5232/")
    assert not is_plain_http_elsewhere("https://cal.example.com/dav/")
    assert not is_plain_http_elsewhere("http://localhost:5232/")
    assert not is_plain_http_elsewhere("http://127.0.0.1:5232/")
    assert not is_plain_http_elsewhere("http://[::1]:5232/")
    assert not is_plain_http_elsewhere("http://127.0.0.2:5232/")
    assert not is_plain_http_elsewhere("http://calendar.localhost/")


def test_the_fingerprint_reads_values_not_bytes(tmp_path: Path) -> None:
    """What servers and calendar apps do to an event without the runner changing it leaves
    its fingerprint as it was; a change the runner sees changes it."""
    plan = build(tmp_path, LONG, "2027-04-18")
    (event,) = [
        e
        for e in Calendar.from_ical((plan / "plan.ics").read_bytes()).walk("VEVENT")
        if "-long-run-t7@" in str(e["UID"])
    ]
    original = fingerprint(event)
    events = plan_events((plan / "plan.ics").read_bytes(), "plan.ics").events
    assert original == next(e for e in events if e.uid == str(event["UID"])).fingerprint

    def changed(text: str) -> str:
        wrapper = Calendar.from_ical(text)
        return fingerprint(wrapper.walk("VEVENT")[0])

    stored = Calendar()
    stored.add_component(event)
    as_served = stored.to_ical().decode()
    # Refolded with LF line ends, another spelling of the same instant, a higher SEQUENCE,
    # an app's own properties and an acknowledged reminder: the same event to the runner.
    same = as_served.replace("\r\n", "\n").replace("\n ", "")
    berlin = event["DTSTART"].dt
    utc = berlin.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    same = re.sub(r"DTSTART;TZID=Europe/Berlin:\d{8}T\d{6}", f"DTSTART:{utc}", same)
    same = same.replace("SEQUENCE:0", "SEQUENCE:3")
    same = same.replace("END:VEVENT", "X-MOZ-LASTACK:20270101T000000Z\nEND:VEVENT")
    assert "DTSTART:" in same and "SEQUENCE:3" in same
    assert changed(same) == original
    # What the runner would notice: another time, title or text.
    later = berlin + dt.timedelta(hours=1)
    moved = as_served.replace(berlin.strftime("%Y%m%dT%H%M%S"), later.strftime("%Y%m%dT%H%M%S"))
    assert changed(moved) != original
    assert changed(as_served.replace("SUMMARY:Long run", "SUMMARY:Long run with Anna")) != original
    assert changed(as_served.replace("DESCRIPTION:", "DESCRIPTION:Bring gels. ")) != original
    assert changed(as_served.replace("CATEGORIES:Running", "CATEGORIES:Running,Long")) != original

    # CATEGORIES:Yoga,Running as two properties, as some servers store it, is the same.
    (yoga,) = [
        e
        for e in Calendar.from_ical((plan / "plan.ics").read_bytes()).walk("VEVENT")
        if "-pre-run-activation-t7@" in str(e["UID"])
    ]
    one = Calendar()
    one.add_component(yoga)
    text = one.to_ical().decode()
    assert "CATEGORIES:Yoga,Running\r\n" in text
    split = text.replace("CATEGORIES:Yoga,Running", "CATEGORIES:Yoga\r\nCATEGORIES:Running")
    assert changed(split) == fingerprint(yoga)


def test_what_a_sync_would_do_with_each_kind_of_event(tmp_path: Path) -> None:
    """compare() on its own: the plan's events against what a listing could hold."""
    plan = build(tmp_path, LONG, "2027-04-18")
    build(tmp_path, SHORT, "2027-04-18")  # week 1's 9 events stay in plan.ics, cancelled
    events = plan_events((plan / "plan.ics").read_bytes(), "plan.ics")
    active = [e for e in events.events if not e.cancelled]
    cancelled = [e for e in events.events if e.cancelled]
    assert (len(active), len(cancelled)) == (7, 9)
    target = SyncCalendar(url="http://127.0.0.1:1/cal/", name="Plan")

    def there(event: Any, plan_name: str = NAME, stored: str | None = None, now: str = "") -> Any:
        return HeldEvent(
            href=f"{target.url}{event.uid}.ics", etag='"1"', uid=event.uid, plan=plan_name,
            stored=event.fingerprint if stored is None else stored,
            fingerprint=now or event.fingerprint, title=event.title, start=event.start,
        )  # fmt: skip

    other_plan = HeldEvent(f"{target.url}x.ics", '"2"', "x@planner", "Autumn 10K", "a", "a", "",
                           None)  # fmt: skip
    foreign = HeldEvent(f"{target.url}y.ics", '"3"', "dentist@example.com", "", "", "", "", None)
    held_events = [
        there(active[0]),  # as planner wrote it: unchanged
        there(active[1], stored="an older fingerprint", now="an older fingerprint"),  # update
        there(active[2], now="the runner's"),  # edited in the calendar: kept
        there(active[3], plan_name="", stored=""),  # the plan's UID without planner's marks
        there(active[4], stored=""),  # planner's marks but no fingerprint: read as it is
        there(cancelled[0]),  # cancelled by a rebuild: removed
        there(cancelled[1], now="the runner's"),  # cancelled but edited: kept
        there(cancelled[2], plan_name="", stored=""),  # cancelled, marks gone: kept
        other_plan,
        foreign,
    ]
    summary = compare(events, held_events, target)
    writes = {(w.kind, w.href.rsplit("/", 1)[1]) for w in summary.writes}
    assert writes == {
        ("updated", f"{active[1].uid}.ics"),
        ("removed", f"{cancelled[0].uid}.ics"),
        ("created", f"{active[5].uid}.ics"),
        ("created", f"{active[6].uid}.ics"),
    }
    assert summary.unchanged == 2  # active[0] and active[4]
    assert {e.uid for e in summary.kept} == {
        active[2].uid, active[3].uid, cancelled[1].uid, cancelled[2].uid
    }  # fmt: skip
    assert len(summary.kept) == 4
    update = next(w for w in summary.writes if w.kind == "updated")
    assert update.headers["If-Match"] == '"1"'
    create = next(w for w in summary.writes if w.kind == "created")
    assert create.headers["If-None-Match"] == "*"
    assert create.href == f"{target.url}{active[5].uid}.ics"
