from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from planner.errors import InvalidRow
from planner.mileage import MAX_FILE_BYTES, MAX_WEEKS, parse_mileage, read_mileage
from planner.model import Unit


def parse(text: str | bytes, **kw: object) -> object:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_mileage(data, "m.csv", **kw)  # type: ignore[arg-type]


def test_reads_weeks_with_optional_columns() -> None:
    m = parse_mileage(b"week,miles,long_run,runs,notes\n1,20,8,4,easy\n2,22,,5,\n", "m.csv")
    assert m.unit is Unit.MILES
    assert [w.distance for w in m.weeks] == [Decimal(20), Decimal(22)]
    assert m.weeks[0].long_run == Decimal(8) and m.weeks[1].long_run is None
    assert [w.runs for w in m.weeks] == [4, 5]
    assert m.weeks[0].notes == "easy"
    assert [w.line for w in m.weeks] == [2, 3]


def test_header_case_spaces_bom_and_comments() -> None:
    text = "\ufeff# my plan\n Week , KM \n# a comment\n1, 30\n\n2,32.5\n"
    m = parse_mileage(text.encode("utf-8"), "m.csv")
    assert m.unit is Unit.KM
    assert [w.distance for w in m.weeks] == [Decimal(30), Decimal("32.5")]
    assert [w.line for w in m.weeks] == [4, 6]


def test_semicolons_with_decimal_commas() -> None:
    m = parse_mileage(b"week;km;long_run\n1;56,5;20,5\n", "m.csv")
    assert m.weeks[0].distance == Decimal("56.5")
    assert m.weeks[0].long_run == Decimal("20.5")


def test_tabs_from_excel_unicode_text() -> None:
    m = parse_mileage("week\tkm\tnotes\n1\t56,5\tflat, easy\n".encode("utf-16"), "m.csv")
    assert m.weeks[0].distance == Decimal("56.5")
    assert m.weeks[0].notes == "flat, easy"


def test_per_day_columns_take_units_option() -> None:
    m = parse_mileage(b"week,mon,tue,wed,thu,fri,sat,sun\n1,,3,,3,,,6\n", "m.csv", units=Unit.KM)
    assert m.per_day and m.unit is Unit.KM
    assert m.weeks[0].days == tuple(Decimal(x) for x in (0, 3, 0, 3, 0, 0, 6))
    assert m.weeks[0].total == Decimal(12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "m.csv: is empty; expected a header line such as week,miles"),
        ("week,miles\n", "m.csv, line 2: no weeks after the header; add one row per week"),
        (
            "week,miles\n1,20\n3,20\n",
            "m.csv, line 3, column week: expected week 2 (weeks are numbered 1, 2, 3... with no"
            " gaps), found 3",
        ),
        (
            "week,miles\n1,20\n2,20\n2,22\n",
            "m.csv, line 4, column week: week 2 is listed twice (first on line 3); number the"
            " weeks 1, 2, 3... with no gaps",
        ),
        (
            "week,miles\n0,20\n",
            "m.csv, line 2, column week: expected week 1 (weeks are numbered 1, 2, 3... with no"
            " gaps), found 0",
        ),
        (
            "week,miles\n1,20\n3,20\n2,22\n",
            "m.csv, line 3, column week: expected week 2 (weeks are numbered 1, 2, 3... with no"
            " gaps), found 3",
        ),
        (
            "week,miles\n1,abc\n",
            "m.csv, line 2, column miles: expected a distance in miles like 12 or 12.5,"
            " found 'abc'",
        ),
        ("week,miles\n1,-3\n", "m.csv, line 2, column miles: expected 0 or more, found -3"),
        (
            "week,miles\n1,nan\n",
            "m.csv, line 2, column miles: expected a finite distance, found 'nan'",
        ),
        (
            "week,miles,km\n1,2,3\n",
            "m.csv, line 1: has both 'miles' and 'km' columns; keep only the one you use",
        ),
        (
            "week,miles\n1,20\n2,20,4\n",
            "m.csv, line 3: has 3 fields but the header has 2; check for a stray ','",
        ),
        (
            "week\tmiles\n1\t20\t\n",
            "m.csv, line 2: has 3 fields but the header has 2; check for a stray tab",
        ),
        (
            "week,miles,long_run\n1,20,25\n",
            "m.csv, line 2, column long_run: the long run (25) is longer than the week's 20 miles",
        ),
        (
            "week,miles,runs\n1,20,9\n",
            "m.csv, line 2, column runs: expected 1 to 7 runs, found '9'",
        ),
        (
            'week,miles,notes\n1,10,easy\n2,12,"hills\n3,12,\n',
            'm.csv, line 3: has a quote (") that is never closed; quote a whole cell,'
            ' like "easy, flat"',
        ),
        ("\n\ufeff\n", "m.csv: is empty; expected a header line such as week,miles"),
        (
            "miles\n20\n",
            "m.csv, line 1: has no 'week' column; the header should start like week,miles",
        ),
        (
            "wk,miles\n1,20\n",
            "m.csv, line 1: has no 'week' column; the header should start like week,miles;"
            " did you mean week for 'wk'?",
        ),
        (
            "week,mile\n1,20\n",
            "m.csv, line 1: needs a 'miles' or 'km' column with each week's distance (or mon..sun"
            " columns); did you mean miles for 'mile'?",
        ),
    ],
)
def test_bad_input_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(InvalidRow) as err:
        parse(text)
    assert str(err.value) == message


def test_unknown_columns_are_ignored_with_one_warning() -> None:
    m = parse_mileage(b"week,miles,longrun,Heart Rate\n1,20,8,140\n", "m.csv")
    assert m.weeks[0].long_run is None
    assert m.warnings == (
        "m.csv, line 1: ignoring columns 'longrun' (did you mean long_run?), 'heart rate';"
        " planner reads week, miles or km, long_run, runs, notes and mon..sun",
    )
    assert parse_mileage(b"week,miles,notes\n1,20,x\n", "m.csv").warnings == ()


def test_windows_1252_is_read_with_a_warning() -> None:
    m = parse_mileage("week,miles,notes\n1,20,café \u2013 easy\n".encode("cp1252"), "m.csv")
    assert m.weeks[0].notes == "café \u2013 easy"
    assert m.warnings == (
        "m.csv, line 2: not UTF-8, so read as Windows-1252 (what Excel saves as 'CSV');"
        " if a note looks wrong, save the file as 'CSV UTF-8'",
    )


def test_utf8_and_utf16_with_a_byte_order_mark_read_without_a_warning() -> None:
    text = "week,miles,notes\n1,20,café\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("utf-16")):
        m = parse_mileage(data, "m.csv")
        assert m.weeks[0].notes == "café" and m.warnings == ()


def test_only_cr_and_lf_end_a_line() -> None:
    m = parse_mileage("week,miles,notes\r1,20,a\u2028b\x85c\r\n2,21,\n".encode(), "m.csv")
    assert [w.line for w in m.weeks] == [2, 3]
    assert m.weeks[0].notes == "a b c"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"PK\x03\x04\x14\x00",
            "m.csv: is a zip file (an Excel .xlsx or Numbers workbook?), not a CSV;",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "m.csv: is an Excel .xls workbook, not a CSV;"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "m.csv: is not a text file; expected a CSV"),
        (b"week,miles\r\n1,2\x1b[0m\n", "m.csv, line 2: has a control character;"),
        (b"week,miles\n\x81\x8d\n", "m.csv, line 2: is neither UTF-8 nor Windows-1252 text;"),
    ],
)
def test_files_that_are_not_text(data: bytes, message: str) -> None:
    with pytest.raises(InvalidRow) as err:
        parse(data)
    assert str(err.value).startswith(message)


def test_too_many_weeks_is_refused() -> None:
    rows = "".join(f"{i},10\n" for i in range(1, MAX_WEEKS + 2))
    with pytest.raises(InvalidRow, match=f"at most {MAX_WEEKS} weeks"):
        parse("week,miles\n" + rows)


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.write(b"week,miles,notes\n1,10,")
        handle.truncate(50 * MAX_FILE_BYTES)  # sparse: 50 MB that take no disk
    with pytest.raises(InvalidRow) as err:
        read_mileage(huge)
    assert (
        str(err.value)
        == f"{huge}: is over 1 MB; a plan has at most {MAX_WEEKS} weeks, one row each"
    )
