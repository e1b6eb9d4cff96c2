"""``hfscaffold sync``: build the project's own environment from its lock, and stamp it
(see :mod:`hfscaffold.adapters.venv` for what counts as the project's own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hfscaffold.adapters.uv import Uv
from hfscaffold.adapters.venv import SyncResult, sync_environment
from hfscaffold.errors import FindingsError
from hfscaffold.project import locked_project


def sync_project(root: Path, *, offline: bool = False, report: Callable[[str], None] = lambda _: None) -> SyncResult:
    root = root.absolute()
    with locked_project(root, report=report) as (project, _):
        if not project.lock_file.is_file():
            raise FindingsError(f"{root} has no uv.lock", hint="run `hfscaffold lock` first")
        return sync_environment(project, uv=Uv(offline=offline))
