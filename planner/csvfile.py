"""Read a CSV as spreadsheets save it: the rules the mileage CSV and a club's roster share.

Text in UTF-8 (with or without a byte-order mark), UTF-16 or Windows-1252; ``#`` comment lines
and blank lines skipped while every line keeps its number in the file; commas, semicolons or
tabs between cells (the header shows which); header names in any case. Every problem is an
InvalidRow naming the file and, where known, the line.
"""

from __future__ import annotations

import codecs
import io
import re

from planner.errors import InvalidRow

RESAVE = "save it from your spreadsheet as 'CSV UTF-8'"
NOT_CSV = (
    (b"PK\x03\x04", "a zip file (an Excel .xlsx or Numbers workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook"),
    (b"%PDF", "a PDF"),
)
SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab"}


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """The lines that hold cells, each with its line number in the file."""
    # A byte-order mark inside the file (two files pasted together) means nothing in a CSV.
    text = text.replace("\ufeff", "")
    # Keep the file's own line numbers: comments and blank lines are dropped before pandas.
    # Only CR and LF end a line (as in a spreadsheet); str.splitlines would also split on
    # characters such as U+2028 that can sit inside a pasted note.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [
        (number, line)
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def separator(header: str) -> str:
    """Commas, else whichever separator the header uses most: semicolons (European
    spreadsheets) or tabs (Excel's "Unicode Text"); both come with decimal commas."""
    return max((",", ";", "\t"), key=header.count)


def header_names(cells: list[str]) -> list[str]:
    """Column names as planner reads them: trimmed, in lower case."""
    return [c.strip().lower().lstrip("\ufeff") for c in cells]


def decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """The file's text, and a warning when it had to be read as Windows-1252."""
    for magic, what in NOT_CSV:
        if data.startswith(magic):
            raise InvalidRow(source, None, None, f"is {what}, not a CSV; {RESAVE}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return text_only(data.decode("utf-16"), source), []
        except UnicodeDecodeError:
            raise InvalidRow(source, None, None, f"is not valid UTF-16 text; {RESAVE}") from None
    if b"\x00" in data:
        raise InvalidRow(source, None, None, "is not a text file; expected a CSV")
    try:
        return text_only(data.decode("utf-8-sig"), source), []
    except UnicodeDecodeError as err:
        line = line_of(data[: err.start].decode("latin-1"))
    # Excel's plain "CSV" on Windows is Windows-1252, and runners can't easily re-save it:
    # read it, and say so in case an accented note came out wrong.
    try:
        text = text_only(data.decode("cp1252"), source)
    except UnicodeDecodeError:
        raise InvalidRow(
            source, line, None, f"is neither UTF-8 nor Windows-1252 text; {RESAVE}"
        ) from None
    return text, [
        f"{source}, line {line}: not UTF-8, so read as Windows-1252 (what Excel saves as 'CSV');"
        " if a note looks wrong, save the file as 'CSV UTF-8'"
    ]


def text_only(text: str, source: str) -> str:
    text = text.rstrip("\x1a")  # the end-of-file mark of old DOS and Windows tools
    control = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if control:
        line = line_of(text[: control.start()])
        raise InvalidRow(
            source, line, None, "has a control character; this is not a text file, expected a CSV"
        )
    return text


def line_of(before: str) -> int:
    """The line number of the character that follows ``before``."""
    return len(re.split(r"\r\n|\r|\n", before))


def split_rows(
    numbered: list[tuple[int, str]], sep: str, source: str, *, example: str
) -> list[list[str]]:
    """The cells of each numbered line (all as text), split by pandas' C parser; ``example``
    is a header to suggest for an empty file."""
    import pandas as pd  # imported here so --help and --version stay fast

    body = "\n".join(line for _, line in numbered)
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            quotechar='"',
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InvalidRow(
            source, None, None, f"is empty; expected a header line such as {example}"
        ) from None
    except pd.errors.ParserError as err:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(err))
        if unclosed:
            line = numbered[min(int(unclosed[1]), len(numbered) - 1)][0]
            raise InvalidRow(
                source,
                line,
                None,
                'has a quote (") that is never closed; quote a whole cell, like "easy, flat"',
            ) from None
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if found:
            expected, row, saw = (int(g) for g in found.groups())
            line = numbered[min(row, len(numbered)) - 1][0]
            raise InvalidRow(
                source,
                line,
                None,
                f"has {saw} fields but the header has {expected};"
                f" check for a stray {SEPARATOR_NAMES[sep]}",
            ) from None
        raise InvalidRow(source, None, None, f"can't be read as CSV ({err})") from None
    if len(frame) != len(numbered):
        # A quoted field spanning lines would shift every line number after it.
        raise InvalidRow(
            source, None, None, "has a quoted field that spans lines; keep notes on one line"
        )
    return [[str(cell) for cell in row] for row in frame.itertuples(index=False, name=None)]
