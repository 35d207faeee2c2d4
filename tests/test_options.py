from __future__ import annotations

import zoneinfo

import pytest

from planner.errors import InvalidOption, SettingError
from planner.options import (
    parse_date,
    parse_name,
    parse_remind,
    parse_timezone,
    read_layer,
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
