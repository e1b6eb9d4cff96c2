"""The project's own environment: whether ``.venv`` is it (or would install elsewhere), building it
from the lock with uv, and the stamp that says so. Shared by ``sync``, ``new``, ``lock --verify``
and ``doctor``.

One project, one environment: an environment that belongs elsewhere (an active virtualenv or
conda env, UV_PROJECT_ENVIRONMENT, a .venv that links away, was stamped for another place or came
with a clone) is refused before anything is installed anywhere.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hfscaffold.adapters.environment import layout_problem, python_version, stamped_elsewhere, write_stamp
from hfscaffold.adapters.fs import real, sweep_temp_files
from hfscaffold.adapters.git import tracks_anything_under
from hfscaffold.adapters.uv import Uv
from hfscaffold.errors import FindingsError
from hfscaffold.project import Project


def _same(a: Path, b: Path) -> bool:
    return real(a.absolute()) == real(b.absolute())


def variables_problem(project: Project, environ: Mapping[str, str] | None = None) -> str | None:
    """Why the variables of the caller's shell would select an environment not the project's own."""
    environ = os.environ if environ is None else environ
    venv = project.venv
    active = environ.get("VIRTUAL_ENV")
    if active and not _same(Path(active), venv):
        return f"VIRTUAL_ENV points at {active}, another environment than this project's {venv}"
    conda = environ.get("CONDA_PREFIX")
    if conda and not _same(Path(conda), venv):
        return f"the conda environment {conda} is active"
    chosen = environ.get("UV_PROJECT_ENVIRONMENT")
    if chosen and not _same(project.root / chosen, venv):
        return f"UV_PROJECT_ENVIRONMENT points at {chosen}, outside this project's {venv}"
    return None


def venv_problem(project: Project) -> str | None:
    """Why the project's .venv is not its own real environment, or None (absent is fine)."""
    layout = layout_problem(project.venv)
    if layout:
        return layout
    elsewhere = stamped_elsewhere(project.venv, project.root)
    if elsewhere:
        return (
            f"{project.venv} was built for the project at {elsewhere}; if this project was moved or copied "
            "from there, remove .venv and run `hfscaffold sync` (a moved environment's scripts still point at the old place)"
        )
    if project.venv.is_dir() and tracks_anything_under(project.root, ".venv"):
        return f"{project.venv} is part of the repository (git tracks files in it): an environment that came with a clone is never used"
    return None


def foreign_environment(project: Project, environ: Mapping[str, str] | None = None) -> str | None:
    """Why the environment that would be used is not this project's own, or None when it is."""
    return variables_problem(project, environ) or venv_problem(project)


def refuse_foreign_environment(project: Project, *, check_variables: bool = True) -> None:
    reason = foreign_environment(project) if check_variables else venv_problem(project)
    if reason:
        raise FindingsError(
            f"refusing to use an environment that is not this project's own: {reason}; nothing was installed",
            hint="deactivate it (or unset the variable, or remove what is in the way) and rerun; each project gets its own .venv",
        )


def stamp(project: Project, python: str) -> dict[str, object]:
    return write_stamp(project.venv, project=project.root, lock=project.lock_hash(), python=python)


@dataclass(frozen=True)
class SyncResult:
    project: Path
    stamp: dict[str, object]
    seconds: float


def sync_environment(project: Project, *, uv: Uv, python: str | None = None) -> SyncResult:
    """``uv sync --locked`` into the project's .venv, then stamp it (caller holds the project lock)."""
    refuse_foreign_environment(project)
    start = time.perf_counter()
    if project.venv.is_dir():
        sweep_temp_files(project.venv)  # a stamp a killed sync was writing
    uv.sync(project.root, python=python)
    interpreter = project.venv / "bin" / "python"
    version = python_version(interpreter) if interpreter.exists() else platform.python_version()
    record = stamp(project, version)
    return SyncResult(project=project.root, stamp=record, seconds=time.perf_counter() - start)
