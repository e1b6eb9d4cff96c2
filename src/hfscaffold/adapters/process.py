"""Every program hfscaffold starts (uv, git, a project's interpreter) starts here, so that
``-v`` can show each call and its time, and nothing is run through a shell."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run_process(command: Sequence[str], *, cwd: Path | None = None, **options: Any) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run(command, capture_output=True, check=False, ...)``, logged at debug level
    to the ``hfscaffold`` logger with the folder, exit status and seconds taken."""
    started = time.perf_counter()
    try:
        completed = subprocess.run(list(command), cwd=cwd, capture_output=True, check=False, **options)
    except (OSError, subprocess.SubprocessError) as exc:
        _log(command, cwd, f"failed: {exc}", started)
        raise
    _log(command, cwd, f"exit {completed.returncode}", started)
    return completed


def _log(command: Sequence[str], cwd: Path | None, outcome: str, started: float) -> None:
    import logging

    logger = logging.getLogger("hfscaffold")
    if logger.isEnabledFor(logging.DEBUG):
        where = f" (in {cwd})" if cwd is not None else ""
        seconds = time.perf_counter() - started
        logger.debug("$ %s%s: %s, %.2fs", shlex.join(str(part) for part in command), where, outcome, seconds)
