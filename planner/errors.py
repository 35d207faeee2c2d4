"""One hierarchy for every mistake a user can make; the CLI turns it into one line on stderr."""

from __future__ import annotations


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
    """A command-line option (or plan-file key) with a value we can't use."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message, where=option)
        self.option = option


class InvalidTemplate(PlanError):
    """A routine template whose content does not follow the schema."""

    def __init__(self, source: str, key: str | None, message: str) -> None:
        super().__init__(message, where=f"{source}: {key}" if key else source)
        self.source = source
        self.key = key


class UnknownRoutine(PlanError):
    """A routine asked for by name that no template provides."""
