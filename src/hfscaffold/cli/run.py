"""``hfscaffold run``: a command in the project's own environment."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, offline_option, project_option
from hfscaffold.cli._render import Output

# Everything after the first argument that is not one of run's own options is the command's:
# ``hfscaffold run pytest -q`` passes -q to pytest (see hoist_global_flags).
RUN_OPTIONS_WITH_VALUE = frozenset({"--project"})


@click.command(cls=Command, context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})
@project_option
@offline_option("Sync from uv's cache only, if syncing is needed.")
@click.option("--no-sync", is_flag=True, help="Never sync: refuse when .venv is not in step with uv.lock.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED, metavar="[--] COMMAND [ARGS]...")
def run(project: Path, offline: bool, no_sync: bool, command: tuple[str, ...]) -> None:
    """Run COMMAND in the project's own environment, synced from uv.lock first when needed.

    As in an activated shell, the environment's scripts come first on PATH and VIRTUAL_ENV names
    it; the command runs in the current folder and its exit status is hfscaffold's. Needs only
    hfscaffold on PATH: `hfscaffold run pytest`, `hfscaffold run python -m pkg.train`,
    `hfscaffold run -- accelerate launch -m pkg.train`. A stale lock is refused (run
    `hfscaffold lock`), and so is a .venv that is not the project's own, as by `sync`.
    """
    from hfscaffold.adapters.venv import ignored_variables
    from hfscaffold.operations.run import launch, prepare
    from hfscaffold.project import load_project

    out = Output()
    for warning in ignored_variables(load_project(project)):
        out.warn(warning)
    plan = prepare(project, list(command), offline=offline, sync=not no_sync, report=out.step)
    if plan.synced is not None:
        out.step(f"Synced the environment from uv.lock in {plan.synced.seconds:.2f}s")
    click.get_current_context().exit(launch(plan))
