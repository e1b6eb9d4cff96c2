"""Every program hfscaffold starts (uv, git, a project's interpreter) starts here, so that
``-v`` can show each call and its time, and nothing is run through a shell."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

TYPE_CHECKING = False  # typing's import is more than a no-op lock's own code costs
if TYPE_CHECKING:
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
    logging = sys.modules.get("logging")
    if logging is None:
        return  # nothing set up a logger (-v does), and importing logging costs a fast command
    logger = logging.getLogger("hfscaffold")
    if logger.isEnabledFor(logging.DEBUG):
        where = f" (in {cwd})" if cwd is not None else ""
        seconds = time.perf_counter() - started
        logger.debug("$ %s%s: %s, %.2fs", shlex.join(str(part) for part in command), where, outcome, seconds)


def run_attached(command: Sequence[str], *, env: dict[str, str], cwd: Path | None = None) -> int:
    """Run ``command`` on the caller's terminal (its stdin, stdout and stderr) and return its exit
    status, as a shell would report it (128 + N for a command killed by signal N).

    While it runs, hfscaffold ignores Ctrl-C: the terminal sends SIGINT to the command too, and the
    command decides what it means (as ``uv run`` does). SIGTERM sent to hfscaffold is passed on.
    """
    import signal

    started = time.perf_counter()
    child = subprocess.Popen(list(command), cwd=cwd, env=env)
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, lambda number, _frame: child.send_signal(number))
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    _log(command, cwd, f"exit {code}", started)
    return 128 - code if code < 0 else code
