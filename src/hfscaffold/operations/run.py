"""``hfscaffold run``: a command in the project's own environment, which is brought in step with
uv.lock first (as ``uv run --locked`` does), with the same refusals as ``sync``.

Only the ``hfscaffold`` script needs to be on PATH: the uv that syncs is the one hfscaffold ships,
and the command finds the environment's scripts first on PATH, as in an activated shell.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hfscaffold.adapters.process import run_attached
from hfscaffold.adapters.uv import Uv
from hfscaffold.adapters.venv import SyncResult, in_step, refuse_foreign_environment, sync_environment
from hfscaffold.errors import FindingsError, UserError, quoted
from hfscaffold.project import locked_project


@dataclass(frozen=True)
class Launch:
    """What will run: the program found, its arguments, the variables it gets."""

    argv: list[str]
    env: dict[str, str]
    synced: SyncResult | None  # None when the environment was already in step


def environment_for(venv: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's variables as an activated ``venv`` would have them."""
    env = {k: v for k, v in environ.items() if k not in ("PYTHONHOME", "CONDA_PREFIX", "UV_PROJECT_ENVIRONMENT")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *([environ["PATH"]] if environ.get("PATH") else [])])
    return env


def prepare(
    root: Path,
    command: Sequence[str],
    *,
    offline: bool = False,
    sync: bool = True,
    report: Callable[[str], None] = lambda _: None,
) -> Launch:
    if not command:
        raise UserError("no command to run", hint="name one: `hfscaffold run -- pytest -x`")
    root = root.absolute()
    synced = None
    with locked_project(root, report=report) as (project, _):
        if not project.lock_file.is_file():
            raise FindingsError(f"{root} has no uv.lock", hint="run `hfscaffold lock` first")
        refuse_foreign_environment(project)
        if not in_step(project):
            if not sync:
                raise FindingsError(
                    f"{project.venv} is not in step with uv.lock and pyproject.toml",
                    hint="run `hfscaffold sync`, or drop --no-sync",
                )
            report("Syncing the environment from uv.lock")
            synced = sync_environment(project, uv=Uv(offline=offline))
        venv = project.venv
    env = environment_for(venv, os.environ)
    program = command[0]
    found = program if os.sep in program else shutil.which(program, path=env["PATH"])
    if found is None:
        raise UserError(
            f"no command {quoted(program)} in {venv / 'bin'} or on PATH",
            hint="check the spelling, or add the package that provides it with `hfscaffold add PKG`",
        )
    return Launch(argv=[found, *command[1:]], env=env, synced=synced)


def launch(plan: Launch) -> int:
    """Run the prepared command on the caller's terminal; its exit status."""
    try:
        return run_attached(plan.argv, env=plan.env)
    except OSError as exc:
        raise UserError(
            f"could not start {quoted(plan.argv[0])}: {exc.strerror or exc}", hint="check that it is a program"
        ) from None
