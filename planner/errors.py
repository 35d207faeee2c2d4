"""One hierarchy for every mistake a user can make; the CLI turns it into one line on stderr."""

from __future__ import annotations

from collections.abc import Callable


class PlanError(ValueError):
    """A problem with the user's input or options: says where it is and how to fix it."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class InvalidRow(PlanError):
    """A row or cell of the mileage CSV that can't be used."""

    def __init__(self, source: str, line: int | None, column: str | None, message: str) -> None:
        parts = [source]
        if line is not None:
            parts.append(f"line {line}")
        if column is not None:
            parts.append(f"column {column}")
        super().__init__(message, where=", ".join(parts))
        self.source = source
        self.line = line
        self.column = column


class InvalidOption(PlanError):
    """A command-line option (or plan-file key) with a value we can't use, already worded by
    the face that read it ("--pace", "club.toml: pace")."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message, where=option)
        self.option = option


_MARK = "\x1f"
"""Brackets a setting's key inside a SettingError's message until a face names it. A value
quoted in a message is repr()'d, which never leaves this control character bare."""


def mention(key: str) -> str:
    """A setting named inside an error message, to be worded by the face that reports it:
    ``f"add it to {mention('run_days')}"`` reads "add it to --run-days" on the command line
    and "add it to club.toml: run_days" for a plan file."""
    return f"{_MARK}{key}{_MARK}"


class SettingError(PlanError):
    """A setting's value that can't be used, raised by the library with the setting's key
    (never a flag); the face that read the value words where it came from (``worded``)."""

    def __init__(self, key: str | None, message: str, *, where: str | None = None) -> None:
        super().__init__(message, where=where if key is None else key)
        self.key = key
        self.template = message

    def __str__(self) -> str:
        return str(self.worded(lambda key: key))

    def worded(self, name: Callable[[str], str]) -> InvalidOption:
        """The error as a user reads it, each setting called by ``name(key)``."""
        parts = self.template.split(_MARK)
        # Odd positions are the keys that mention() marked.
        message = "".join(name(part) if i % 2 else part for i, part in enumerate(parts))
        where = name(self.key) if self.key is not None else (self.where or "")
        return InvalidOption(where, message)


class InvalidTemplate(PlanError):
    """A routine template whose content does not follow the schema."""

    def __init__(self, source: str, key: str | None, message: str) -> None:
        super().__init__(message, where=f"{source}: {key}" if key else source)
        self.source = source
        self.key = key


class UnknownRoutine(SettingError):
    """A routine asked for by name that no template provides."""
