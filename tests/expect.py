"""Assertions about what a command printed, shared by the tests."""

from __future__ import annotations

import json
from typing import Any


def one_line_error(stderr: str) -> str:
    """The one ``error:`` line a failed command printed (and no traceback)."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


def json_data(stdout: str) -> Any:
    """The data of a command's JSON envelope (``{"command", "exit_code", "data"}``)."""
    body = json.loads(stdout)
    assert set(body) == {"command", "exit_code", "data"}, body
    return body["data"]
