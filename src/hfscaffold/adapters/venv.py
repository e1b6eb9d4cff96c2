"""The project's own environment: whether ``.venv`` is it (or would install elsewhere), building it
from the lock with uv, and the stamp that says so. Shared by ``sync``, ``new``, ``lock --verify``
and ``doctor``.

One project, one environment: a .venv that belongs elsewhere (it links away, was stamped for
another place or came with a clone) is refused before anything is installed anywhere. Variables
that name another environment (an active virtualenv or conda env, UV_PROJECT_ENVIRONMENT) never
reach uv (see :mod:`hfscaffold.adapters.uv`), so they cannot make it write elsewhere: they are
ignored with a warning, as uv ignores a VIRTUAL_ENV that is not the project's.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hfscaffold.adapters.environment import (
    STAMP,
    layout_problem,
    python_version,
    read_stamp,
    stamped_elsewhere,
    write_stamp,
)
from hfscaffold.adapters.fs import real, sweep_temp_files, write_atomic
from hfscaffold.adapters.git import tracks_anything_under
from hfscaffold.adapters.uv import Uv, running_python_fits
from hfscaffold.errors import FindingsError
from hfscaffold.project import Project


def _same(a: Path, b: Path) -> bool:
    return real(a.absolute()) == real(b.absolute())


def ignored_variables(project: Project, environ: Mapping[str, str] | None = None) -> list[str]:
    """Warnings for the caller's variables that name an environment other than the project's own:
    hfscaffold ignores them (uv never sees them), and says so."""
    environ = os.environ if environ is None else environ
    venv = project.venv
    warnings = []
    for variable, base in (("VIRTUAL_ENV", None), ("CONDA_PREFIX", None), ("UV_PROJECT_ENVIRONMENT", project.root)):
        value = environ.get(variable)
        if value and not _same((base / value) if base is not None else Path(value), venv):
            warnings.append(
                f"{variable}={value} is not this project's environment and is ignored: hfscaffold uses {venv}"
            )
    return warnings


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


def unbuilt_problem(project: Project) -> str | None:
    """Why a .venv hfscaffold did not build may not be synced into: uv would run its interpreter
    (to learn its Python) before installing anything, and a folder that came as a download or a
    copy may hold any program there. An empty or interpreter-less folder is fine: uv fills it."""
    venv = project.venv
    has_interpreter = any(os.path.lexists(venv / part) for part in ("bin/python", "Scripts/python.exe"))
    if has_interpreter and read_stamp(venv) is None:
        return (
            f"{venv} was not built by `hfscaffold sync` (it has no stamp), and syncing into it would run "
            "its interpreter"
        )
    return None


def refuse_foreign_environment(project: Project) -> None:
    reason = venv_problem(project) or unbuilt_problem(project)
    if reason:
        hint = "remove what is in the way (or move the project) and rerun; each project gets its own .venv"
        if not venv_problem(project):
            hint = "remove it (`rm -rf .venv`) and rerun: hfscaffold builds the project's environment itself"
        raise FindingsError(
            f"refusing to use an environment that is not this project's own: {reason}; nothing was installed",
            hint=hint,
        )


def stamp(project: Project, python: str) -> dict[str, object]:
    return write_stamp(
        project.venv, project=project.root, lock=project.lock_hash(), pyproject=project.pyproject_hash(), python=python
    )


def carry_stamp(project: Project, before: str | None) -> None:
    """After hfscaffold itself rewrote pyproject.toml without touching a dependency (a record in
    [tool.hfscaffold]), keep a stamp that was in step with the file as it was."""
    recorded = read_stamp(project.venv)
    if recorded is not None and before is not None and recorded.get("pyproject") == before:
        write_atomic(
            project.venv / STAMP, json.dumps({**recorded, "pyproject": project.pyproject_hash()}, indent=2) + "\n"
        )


def in_step(project: Project) -> bool:
    """Whether .venv is the project's own and was synced from the current uv.lock and
    pyproject.toml: then nothing needs installing before a command runs in it."""
    if venv_problem(project) or not (project.venv / "bin" / "python").exists():
        return False
    recorded = read_stamp(project.venv)
    return (
        recorded is not None
        and recorded.get("lock") == project.lock_hash()
        and recorded.get("pyproject") == project.pyproject_hash()
    )


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
    else:
        # Made and stamped here first, so that an interpreter in .venv always comes with
        # hfscaffold's stamp: a sync killed halfway leaves an environment the next one resumes.
        python = python or running_python_fits(project)
        uv.create_venv(project.venv, python=python)
        write_stamp(project.venv, project=project.root, lock=None, pyproject=None, python="")
    uv.sync(project.root, python=python)
    interpreter = project.venv / "bin" / "python"
    version = python_version(interpreter) if interpreter.exists() else platform.python_version()
    record = stamp(project, version)
    return SyncResult(project=project.root, stamp=record, seconds=time.perf_counter() - start)
