"""``hfscaffold why`` and ``hfscaffold status``: the knowledge, explained."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, global_flags, offline_option, project_option
from hfscaffold.cli._render import emit_json
from hfscaffold.errors import ExitCode


@click.command(cls=Command)
@click.argument("package")
@project_option
@format_option("text", "json")
def why(package: str, project: Path, output_format: str) -> None:
    """Explain why PACKAGE is at its version: who requires it, which matrix rule constrains it."""
    from hfscaffold.operations.explain import why as explain

    result = explain(project, package)
    if output_format == "json":
        emit_json(result.as_json())
        return
    click.echo(f"{result.package} {', '.join(result.versions)}")
    click.echo(
        f"  pinned by the project: {result.direct}" if result.direct else "  not a direct requirement of the project"
    )
    for owner in result.required_by:
        click.echo(f"  required by {owner}")
    for line in result.constraints:
        click.echo(f"  constrained to {line}")
    for line in result.advisories:
        click.echo(f"  advisory {line}")
    if result.policy:
        click.echo(f"  {result.policy}")


@click.command(cls=Command)
@click.argument("projects", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@offline_option("Look up newer releases in uv's cache only.")
@click.option("--no-index", "no_index", is_flag=True, help="Do not look up newer patch releases at all.")
@click.option(
    "--jobs", type=click.IntRange(min=1), metavar="N", help="Projects looked up at once [default: the cores, 2 to 8]."
)
@format_option("text", "json")
def status(projects: tuple[Path, ...], offline: bool, no_index: bool, jobs: int | None, output_format: str) -> None:
    """One line per project: template lag, matrix findings, newer patch releases, lock age."""
    import sys

    from hfscaffold.operations.explain import statuses

    def progress(done: int, total: int) -> None:
        if total > 1 and sys.stderr.isatty() and output_format == "text" and not global_flags().quiet:
            click.echo(f"\rChecked {done}/{total} projects", err=True, nl=done == total)

    rows = statuses(projects or (Path("."),), offline=offline, look_up=not no_index, jobs=jobs, done=progress)
    broken = [r for r in rows if r.error]
    if output_format == "json":
        emit_json({"projects": [r.as_json() for r in rows]})
        if broken:
            click.get_current_context().exit(ExitCode.BAD_INPUT)
        return
    for r in rows:
        if r.error:
            click.echo(f"{r.project}: error: {r.error}")
            continue
        patches = "?" if r.newer_patches is None else str(len(r.newer_patches))
        age = "?" if r.lock_age_days is None else f"{r.lock_age_days:g} days"
        click.echo(
            f"{r.project}: template {r.template}; {r.violations} matrix errors; {r.advisories} advisories; "
            f"{patches} pins with a newer patch release; lock {age} old"
        )
    if broken:
        click.get_current_context().exit(ExitCode.BAD_INPUT)  # a project that cannot be read is bad input
