from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from planner.errors import InvalidOption, SettingError
from planner.options import (
    DayTimes,
    away_days,
    parse_away,
    parse_date,
    parse_day_times,
    parse_name,
    parse_remind,
    parse_timezone,
    read_layer,
    time_on,
    zone_file_on_tzpath,
)


@pytest.mark.parametrize(
    ("text", "zone"),
    [("Europe/Berlin", "Europe/Berlin"), (" europe/berlin ", "Europe/Berlin"), ("utc", "UTC")],
)
def test_timezone_names_are_matched_ignoring_case_and_spaces(text: str, zone: str) -> None:
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "timezone: expected an IANA timezone like Europe/Berlin, found ''"),
        ("Europe/Berln", "timezone: unknown timezone 'Europe/Berln'; did you mean Europe/Berlin"),
        ("new york", "timezone: unknown timezone 'new york'; did you mean America/New_York?"),
        # Names that ZoneInfo looks up as a folder, or as a file name too long for the system.
        ("Europe", "timezone: unknown timezone 'Europe'; did you mean Europe/"),
        ("x" * 300, f"timezone: unknown timezone '{'x' * 300}'; use an IANA name like"),
        ("Mars/Olympus", "timezone: unknown timezone 'Mars/Olympus'; "),
    ],
)
def test_unknown_timezones_suggest_close_names(text: str, message: str) -> None:
    with pytest.raises(SettingError) as err:
        parse_timezone(text)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30", "expected a real date as YYYY-MM-DD (e.g. 2027-04-18), found '2027-02-30'"),
        ("18/04/2027", "expected a real date as YYYY-MM-DD (e.g. 2027-04-18), found '18/04/2027'"),
        ("0001-01-01", "expected a date from 1900 to 2999, found 0001-01-01"),
        ("9999-12-31", "expected a date from 1900 to 2999, found 9999-12-31"),
    ],
)
def test_race_dates_must_be_real_and_in_range(text: str, message: str) -> None:
    with pytest.raises(SettingError) as err:
        parse_date(text)
    assert str(err.value) == f"race_date: {message}"


@pytest.mark.parametrize(
    ("text", "found"),
    [("abc", "'abc'"), ("", "''"), ("1e3", "'1e3'"), ("-5", "-5"), ("1441", "1441")],
)
def test_remind_takes_whole_minutes_up_to_a_day(text: str, found: str) -> None:
    assert parse_remind(" 30 ") == 30 and parse_remind(0) == 0
    with pytest.raises(SettingError) as err:
        parse_remind(text)
    assert str(err.value) == f"remind: expected 0 to 1440 minutes before each event, found {found}"


def test_a_plan_name_is_one_line() -> None:
    assert parse_name("  Spring  half; A, B\tC ") == "Spring  half; A, B\tC"
    for text in ("Evil\r\nBEGIN:VEVENT", "a\nb", "bell\x07", "line\u2028sep"):
        with pytest.raises(SettingError) as err:
            parse_name(text)
        assert str(err.value) == (
            f"name: expected a name on one line without control characters, found {text!r}"
        )


def test_a_name_that_was_not_utf8_is_read_as_windows_1252() -> None:
    # How Python hands over the bytes of a Latin-1 file name such as b"caf\xe9.csv".
    assert parse_name(b"caf\xe9".decode("utf-8", "surrogateescape")) == "café"


def test_every_available_zone_is_accepted_as_spelt() -> None:
    for name in zoneinfo.available_timezones():
        assert parse_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "europe/berlin", "Europe",
     "Europe//Berlin", "Europe/Berlin/", "/etc/localtime", "../zoneinfo/UTC", "posixrules",
     "posix/Europe/Berlin", "right/UTC", "zone.tab", "iso3166.tab", ""],
)  # fmt: skip
def test_quick_zone_check_never_accepts_what_the_full_list_lacks(name: str) -> None:
    """The quick path may miss a name (the full list is the fallback), never add one."""
    if zone_file_on_tzpath(name):
        assert name in zoneinfo.available_timezones()


# Start times per weekday, days away, recovery days.


def test_one_time_stays_a_time_and_per_day_times_override_it() -> None:
    assert parse_day_times("07:00", "run_time") == dt.time(7, 0)
    times = parse_day_times(" 06:15 , Saturday=08:30,sun=9.00", "run_time")
    assert times == DayTimes(dt.time(6, 15), ((5, dt.time(8, 30)), (6, dt.time(9, 0))))
    assert [time_on(times, day) for day in (0, 4, 5, 6)] == [
        dt.time(6, 15), dt.time(6, 15), dt.time(8, 30), dt.time(9, 0),
    ]  # fmt: skip
    assert str(times) == "06:15,sat=08:30,sun=09:00"
    assert parse_day_times(str(times), "run_time") == times  # what `planner init` writes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sat=08:30", "run_time: expected a time for every day, then any weekday's own, like"
         " 06:15 or 06:15,sat=08:30; found 'sat=08:30'"),
        ("06:15,07:00", "run_time: expected a time for every day, then any weekday's own, like"
         " 06:15 or 06:15,sat=08:30; found '06:15,07:00'"),
        ("06:15,", "run_time: expected a time for every day, then any weekday's own"),
        ("06:15,someday=08:30", "run_time: expected a weekday like sat before '=', found"
         " 'someday' in '06:15,someday=08:30'"),
        ("06:15,sat=8am", "run_time: expected a 24-hour time like 07:00 or 18:30, found '8am'"),
        ("06:15,sat=08:30,saturday=09:00", "run_time: gives sat twice in"
         " '06:15,sat=08:30,saturday=09:00'; give each day once"),
        ("25:00", "run_time: expected a 24-hour time like 07:00 or 18:30, found '25:00'"),
    ],
)  # fmt: skip
def test_bad_day_times_name_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(SettingError) as err:
        parse_day_times(text, "run_time")
    assert str(err.value).startswith(message)


def test_days_away_are_ranges_and_days_in_any_mix() -> None:
    away = parse_away(["2027-03-01, 2027-02-10..2027-02-14", "2027-02-20;2027-02-21..2027-02-21"])
    assert away == (
        (dt.date(2027, 2, 10), dt.date(2027, 2, 14)),
        (dt.date(2027, 2, 20), dt.date(2027, 2, 20)),
        (dt.date(2027, 2, 21), dt.date(2027, 2, 21)),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 1)),
    )
    assert len(away_days(away)) == 8
    assert parse_away([dt.date(2027, 3, 1)]) == ((dt.date(2027, 3, 1), dt.date(2027, 3, 1)),)
    assert parse_away(["none"]) == parse_away([]) == ()


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["2027-02-14..2027-02-10"], "away: '2027-02-14..2027-02-10' ends before it starts;"
         " write the earlier day first"),
        (["2027-02-10..2027-02-14", "2027-02-12..2027-02-20"], "away: gives 2027-02-12 twice"
         " (2027-02-10..2027-02-14 and 2027-02-12..2027-02-20); give each day once"),
        (["2027-03-01,2027-03-01"], "away: gives 2027-03-01 twice (2027-03-01 and 2027-03-01);"
         " give each day once"),
        (["2027-02-30"], "away: expected days as YYYY-MM-DD or ranges as"
         " YYYY-MM-DD..YYYY-MM-DD, found '2027-02-30'"),
        (["2027-02-10..."], "away: expected days as YYYY-MM-DD or ranges as"
         " YYYY-MM-DD..YYYY-MM-DD, found '2027-02-10...'"),
        (["next week"], "away: expected days as YYYY-MM-DD or ranges as"
         " YYYY-MM-DD..YYYY-MM-DD, found 'next'"),
    ],
)  # fmt: skip
def test_bad_days_away_name_what_to_fix(items: list[str], message: str) -> None:
    with pytest.raises(SettingError) as err:
        parse_away(items)
    assert str(err.value) == message


def test_the_readers_take_toml_values_and_name_the_plan_file() -> None:
    layer = read_layer(
        {
            "run_time": "06:15,sat=08:30",
            "long_run_time": dt.time(7, 30),
            "away": ["2027-02-10..2027-02-14", dt.date(2027, 3, 1)],
            "recovery_days": 3,
        },
        name=lambda key: f"club.toml: {key}",
    )
    assert layer.values == {
        "run_time": DayTimes(dt.time(6, 15), ((5, dt.time(8, 30)),)),
        "long_run_time": dt.time(7, 30),
        "away": ((dt.date(2027, 2, 10), dt.date(2027, 2, 14)), (dt.date(2027, 3, 1),) * 2),
        "recovery_days": 3,
    }
    for raw, message in [
        ({"recovery_days": 15}, "club.toml: recovery_days: expected 0 to 14 days after the"
         " race, found 15"),
        ({"recovery_days": "two"}, "club.toml: recovery_days: expected 0 to 14 days after the"
         " race, found 'two'"),
        ({"recovery_days": True}, "club.toml: recovery_days: expected 0 to 14 days after the"
         " race, found True"),
        ({"away": "2027-02-10", "run_time": 7}, "club.toml: run_time: expected a 24-hour time"
         ' like "07:00" or "06:15,sat=08:30", found 7'),
        ({"away": [1]}, 'club.toml: away: expected days like ["2027-02-10..2027-02-14",'
         ' "2027-03-01"], found [1]'),
    ]:  # fmt: skip
        with pytest.raises(InvalidOption) as err:
            read_layer(raw, name=lambda key: f"club.toml: {key}")
        assert str(err.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "expected 1 to 168 hours, found 0"),
        ("169", "expected 1 to 168 hours, found 169"),
        ("6h", "expected a whole number of hours, found '6h'"),
        (True, "expected a whole number of hours, found True"),
    ],
)
def test_refresh_hours_are_whole_hours_up_to_a_week(value: object, message: str) -> None:
    assert read_layer({"refresh_hours": 6}, str).values == {"refresh_hours": 6}
    assert read_layer({"refresh_hours": " 12"}, str).values == {"refresh_hours": 12}
    with pytest.raises(InvalidOption) as err:
        read_layer({"refresh_hours": value}, lambda key: f"club.toml: {key}")
    assert str(err.value) == f"club.toml: refresh_hours: {message}"
