"""A lock with nothing to do, answered without the knowledge: see adapters/lock_record.py.

When the project's inputs are those a lock recorded, the matrix's answer is the recorded one and
only uv's part is left: ``uv lock --check`` on a copy of the project's files (as every uv call on
a project is made: never in a folder whose .venv is a stranger's). Anything else (no record, a
changed input, an interrupted write, uv finding the lock stale) is the full lock's to handle.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from hfscaffold.adapters.lock_record import inputs_digest, recall
from hfscaffold.errors import HfscaffoldError


class CurrentLock:
    """What the lock would report (a plain class, as LockRecord is)."""

    __slots__ = ("applied", "resolved")

    def __init__(self, resolved: int | None, applied: Mapping[str, Mapping[str, str]]) -> None:
        self.resolved = resolved  # what uv says it resolved
        self.applied = applied  # the matrix's constraints, kept as they are


def current_lock(root: Path, *, offline: bool = False) -> CurrentLock | None:
    """What a lock of ``root`` (absolute) would report if it changes nothing and that is known
    without it; None when the full lock must run."""
    record = recall(root)
    if record is None or inputs_digest(root, record.rule_files) != record.digest:
        return None
    from hfscaffold.adapters.fs import copy_project_files, scratch_directory
    from hfscaffold.adapters.transaction import pending
    from hfscaffold.adapters.uv import Uv

    python = record.python if record.python is not None and os.access(record.python, os.X_OK) else None
    try:
        if pending(root):  # an interrupted write is the full lock's to finish
            return None
        with scratch_directory(root) as scratch:
            copy_project_files(root, scratch)
            result = Uv(offline=offline).lock(scratch, check=True, python=python)
    except (HfscaffoldError, OSError):
        return None  # stale, or uv failed: the full lock says what and why
    return CurrentLock(resolved=result.resolved_count, applied=record.applied)
