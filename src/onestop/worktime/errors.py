"""Errors of the working-time engine. All are ValueErrors, so callers that validate input with
``except ValueError`` catch them without importing this module."""

from __future__ import annotations


class WorktimeError(ValueError):
    """Bad input to the engine: naive datetime, unknown unit, bad hours profile, …"""


class OutOfRangeError(WorktimeError):
    """A date outside the years the calendar table covers."""


class CalendarDataError(WorktimeError):
    """A calendar data row breaks a rule; names the file and line when the row came from a file."""

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        where = file if line is None else f"{file}:{line}" if file else f"line {line}"
        super().__init__(f"{where}: {problem}" if where else problem)
