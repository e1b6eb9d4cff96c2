"""Assertions about what a command printed, shared by the tests."""

from __future__ import annotations


def one_line_error(stderr: str) -> str:
    """The one ``error:`` line a failed command printed (and no traceback)."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]
