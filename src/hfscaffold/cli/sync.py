"""``hfscaffold sync``: the project's own environment from its lock."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, offline_option, project_option
from hfscaffold.cli._render import Output, emit_json, shown


@click.command(cls=Command)
@project_option
@offline_option("Install from uv's cache only.")
@click.option("--dry-run", is_flag=True, help="Show what uv would install and remove; change nothing.")
@format_option("text", "json")
def sync(project: Path, offline: bool, dry_run: bool, output_format: str) -> None:
    """Build the project's own environment (.venv) exactly from uv.lock, and stamp it.

    Only ever writes the project's .venv: an active virtualenv or conda env, or
    UV_PROJECT_ENVIRONMENT, is ignored with a warning; a .venv that links elsewhere, was built for
    another project or came with a clone is refused (exit 1).
    """
    from hfscaffold.adapters.venv import ignored_variables
    from hfscaffold.operations.sync import rehearse_sync, sync_project
    from hfscaffold.project import load_project

    out = Output(machine_readable=output_format == "json")
    for warning in ignored_variables(load_project(project)):
        out.warn(warning)
    if dry_run:
        lines = rehearse_sync(project, offline=offline)
        if output_format == "json":
            emit_json({"project": str(project.absolute()), "dry_run": True, "uv": lines})
        else:
            click.echo("\n".join(lines))
        return
    with out.working("Building the environment with uv"):
        result = sync_project(project, offline=offline, report=out.step)
    if output_format == "json":
        emit_json({"project": str(result.project), "stamp": result.stamp, "seconds": round(result.seconds, 3)})
        return
    out.step(f"Synced {shown(result.project / '.venv')} from uv.lock in {result.seconds:.2f}s")
