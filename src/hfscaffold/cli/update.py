"""``hfscaffold update``: the project brought to the current template."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, offline_option, project_option
from hfscaffold.cli._render import Output, emit_json


@click.command(cls=Command)
@project_option
@click.option(
    "--from-template",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The template the project was made with, when it is not bundled.",
)
@click.option("--no-lock", is_flag=True, help="Only merge the template; do not lock again.")
@click.option("--dry-run", is_flag=True, help="Show what the update would change (and conflict); write nothing.")
@offline_option("Lock from uv's cache only.")
@format_option("text", "json")
def update(
    project: Path, from_template: Path | None, no_lock: bool, dry_run: bool, offline: bool, output_format: str
) -> None:
    """Bring the project to the current template, keeping its answers and your edits.

    Copier's update: a three-way merge of the old template, the new one and your project;
    conflicts are shown inline and reported (exit 1). Then the project is locked again.
    A project made from your own template (`new --template`) follows that template: from the
    version recorded to its newest git tag. A file the new template no longer makes is kept.
    The project must be under git with no uncommitted changes.
    """
    from hfscaffold.operations.lock import LockRequest, lock_project
    from hfscaffold.operations.update import require_no_conflicts, update_project

    out = Output(machine_readable=output_format == "json")
    result = update_project(project, from_template=from_template, dry_run=dry_run, report=out.step)
    if output_format == "json":
        emit_json({
            "project": str(result.project), "from": result.from_version, "to": result.to_version,
            "up_to_date": result.up_to_date, "changed": result.changed, "conflicts": result.conflicts,
            "dry_run": dry_run,
        })  # fmt: skip
    if result.up_to_date:
        out.step(f"Already on the newest template ({result.to_version})")
        return
    for path in result.changed:
        out.step(f" {'!' if path in result.conflicts else '~'} {path}")
    if dry_run:
        conflicts = f", {len(result.conflicts)} with conflicts" if result.conflicts else ""
        out.step(
            f"Would change {len(result.changed)} files{conflicts} ({result.from_version} -> {result.to_version}); nothing was written"
        )
        return
    require_no_conflicts(result)
    if not no_lock:
        locked = lock_project(LockRequest(project=project, offline=offline), report=out.step)
        out.step(f"Locked again ({', '.join(locked.changed) or 'nothing changed'})")
    out.step(f"Updated to the template {result.to_version}: review with `git diff`, then commit")
