"""``hfscaffold sync``: build the project's own environment from its lock, and stamp it
(see :mod:`hfscaffold.adapters.venv` for what counts as the project's own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hfscaffold.adapters.uv import Uv, running_python_fits
from hfscaffold.adapters.venv import SyncResult, refuse_foreign_environment, sync_environment
from hfscaffold.errors import FindingsError
from hfscaffold.project import load_project, locked_project


def sync_project(root: Path, *, offline: bool = False, report: Callable[[str], None] = lambda _: None) -> SyncResult:
    root = root.absolute()
    with locked_project(root, report=report) as (project, _):
        if not project.lock_file.is_file():
            raise FindingsError(f"{root} has no uv.lock", hint="run `hfscaffold lock` first")
        return sync_environment(project, uv=Uv(offline=offline))


def rehearse_sync(root: Path, *, offline: bool = False) -> list[str]:
    """``sync --dry-run``: what uv would install and remove (``uv sync --dry-run``), with the same
    refusals; nothing is created, not even the environment's folder."""
    project = load_project(root.absolute())
    if not project.lock_file.is_file():
        raise FindingsError(f"{project.root} has no uv.lock", hint="run `hfscaffold lock` first")
    refuse_foreign_environment(project)
    result = Uv(offline=offline).sync(project.root, python=running_python_fits(project), dry_run=True)
    return [line.strip() for line in result.stderr.splitlines() if line.strip()]
