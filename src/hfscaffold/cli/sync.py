"""``hfscaffold sync``: the project's own environment from its lock."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, offline_option, project_option
from hfscaffold.cli._render import Output, emit_json, shown


@click.command(cls=Command)
@project_option
@offline_option("Install from uv's cache only.")
@format_option("text", "json")
def sync(project: Path, offline: bool, output_format: str) -> None:
    """Build the project's own environment (.venv) exactly from uv.lock, and stamp it.

    Refuses (exit 1) an environment that is not the project's own: an active virtualenv or
    conda env, UV_PROJECT_ENVIRONMENT, a .venv that links elsewhere or belongs to another project.
    """
    from hfscaffold.operations.sync import sync_project

    out = Output(machine_readable=output_format == "json")
    with out.working("Building the environment with uv"):
        result = sync_project(project, offline=offline, report=out.step)
    if output_format == "json":
        emit_json({"project": str(result.project), "stamp": result.stamp, "seconds": round(result.seconds, 3)})
        return
    out.step(f"Synced {shown(result.project / '.venv')} from uv.lock in {result.seconds:.2f}s")
