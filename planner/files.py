"""Read an input file the one safe way: a regular file, at most so many bytes.

Every file planner reads (the mileage CSV, a plan file, a routine template, a previous
plan.ics) comes through here, so that a pipe, a device such as /dev/zero, or a symlink to
one is refused at once instead of hanging or filling the memory, and every problem reads as
the same one line: the file, then what is wrong with it.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from planner.errors import PlanError

TOML_BYTES = 1_000_000
"""Plan files and routine templates fit in a few kilobytes; a bigger one is refused unread."""
TOML_INTEGERS = range(-(2**63), 2**63)
"""TOML's own integers are 64-bit: the spec asks a reader to refuse any other."""


class MissingFile(PlanError):
    """The file isn't there at all."""


def read_input(path: Path, limit: int, what: str, *, too_big: str = "") -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``limit`` bytes.

    ``what`` says what was expected ("a CSV file"); ``too_big`` replaces the explanation
    after "is over N MB" when a file is larger. Raises PlanError naming the file.
    """
    source = str(path)
    try:
        # Looked at before it is opened: opening a device can itself do something.
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise PlanError(_not_regular(mode, what), where=source)
        # O_NONBLOCK: should a pipe take the file's place in between, opening it doesn't
        # wait for a writer; fstat then says what was opened.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise MissingFile("file not found", where=source) from None
    except NotADirectoryError:
        raise MissingFile("file not found (a folder on its path is a file)", where=source) from None
    except OSError as err:
        raise PlanError(f"can't be read ({reason(err)})", where=source) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise PlanError(_not_regular(mode, what), where=source)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise PlanError(f"can't be read ({reason(err)})", where=source) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise PlanError(f"is over {_size(limit)}; {too_big or f'expected {what}'}", where=source)
    return data


def load_toml(data: bytes, source: str) -> dict[str, Any]:
    """TOML text as tomllib reads it, with the spec's limits that tomllib doesn't keep.

    Raises PlanError("SOURCE: not valid TOML: ...") for anything else; the caller's own
    error class can take the message over (see ``err.message``).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PlanError(
            f"not UTF-8 text (byte {err.start + 1}); save it as UTF-8", where=source
        ) from None
    try:
        loaded = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(f"not valid TOML: {err}", where=source) from None
    except RecursionError:  # arrays or inline tables nested hundreds deep
        raise PlanError(
            "not valid TOML: arrays or tables nested too deeply", where=source
        ) from None
    except ValueError:  # int() refuses a number of thousands of digits
        raise PlanError("not valid TOML: a number with thousands of digits", where=source) from None
    _check_integers(loaded, source)
    return loaded


def _check_integers(value: object, source: str) -> None:
    # Iterative: the tables tomllib made are only as deep as its recursion allowed.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and item not in TOML_INTEGERS:
            raise PlanError(
                "not valid TOML: a whole number beyond TOML's 64-bit integers", where=source
            )


def reason(err: OSError) -> str:
    """What the system said, without the file name (the message names it already)."""
    return err.strerror or str(err) or type(err).__name__


def _not_regular(mode: int, what: str) -> str:
    if stat.S_ISDIR(mode):
        return f"is a folder; expected {what}"
    if stat.S_ISFIFO(mode):
        return f"is a pipe, not a file; expected {what}"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"is a device, not a file; expected {what}"
    return f"is not a regular file; expected {what}"


def _size(limit: int) -> str:
    if limit >= 1_000_000:
        return f"{limit / 1_000_000:g} MB"
    return f"{limit / 1000:g} KB"
