"""One error hierarchy: every failure a user can see carries its message, hint and exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes are a contract with users and CI scripts."""

    OK = 0
    FINDINGS = 1
    BAD_INPUT = 2
    EXTERNAL = 3
    INTERRUPTED = 130


def quoted(text: object, limit: int = 80) -> str:
    """``text`` as a message quotes it: repr'd, and cut short (input can be megabytes long)."""
    value = str(text)
    shown = repr(value[:limit])
    if len(shown) > limit + 2:  # escapes make a repr longer than its text
        shown = shown[:limit] + "..."
    return shown if len(value) <= limit else f"{shown}... ({len(value)} characters)"


class HfscaffoldError(Exception):
    """Base error: the CLI prints ``message`` and ``hint`` and exits with ``exit_code``."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, hint: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail  # e.g. a tool's full output, shown with --debug


class UserError(HfscaffoldError):
    """Bad input or usage: the user can fix it by changing what they asked for."""

    exit_code = ExitCode.BAD_INPUT


class FindingsError(HfscaffoldError):
    """The command ran, and what it found is a problem (violations, drift, a stale lock)."""

    exit_code = ExitCode.FINDINGS


class ExternalError(HfscaffoldError):
    """A step outside hfscaffold failed: resolution impossible, index unreachable, a tool crashed."""

    exit_code = ExitCode.EXTERNAL
