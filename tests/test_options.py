"""Option parsers: the timezone names they accept, and how."""

from __future__ import annotations

import zoneinfo

import pytest

from planner.errors import InvalidOption
from planner.options import _zone_file_on_tzpath, parse_timezone


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
    if _zone_file_on_tzpath(name):
        assert name in zoneinfo.available_timezones()


def test_a_misspelt_zone_gets_its_case_fixed_or_suggestions() -> None:
    assert parse_timezone(" europe/berlin ") == "Europe/Berlin"
    with pytest.raises(InvalidOption, match="did you mean Europe/Berlin"):
        parse_timezone("Europe/Berln")
