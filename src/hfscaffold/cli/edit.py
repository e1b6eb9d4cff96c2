"""``hfscaffold add`` and ``hfscaffold remove``: direct requirements, pinned exactly."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hfscaffold.cli._options import Command, F, format_option, offline_option, project_option
from hfscaffold.cli._render import Output, emit_json

if TYPE_CHECKING:
    from hfscaffold.operations.edit import EditResult


_PAST = {"add": "Added", "remove": "Removed"}


def _group(dev: bool, group: str | None) -> str | None:
    if dev and group not in (None, "dev"):
        raise click.UsageError("--dev is --group dev: give one of them")
    return "dev" if dev else group


def _where_options(function: F) -> F:
    function = click.option("--group", metavar="GROUP", help="A dependency group instead of [project] dependencies.")(
        function
    )
    return click.option("--dev", is_flag=True, help="The dev dependency group (--group dev).")(function)


def _dry_run_option(function: F) -> F:
    """``--dry-run`` and ``--no-sync``: what the edit writes, and whether the environment follows."""
    function = click.option(
        "--no-sync", is_flag=True, help="Leave the environment as it is (by default one `sync` built follows the lock)."
    )(function)
    return click.option("--dry-run", is_flag=True, help="Resolve and show what would change; write nothing.")(function)


def _show(result: EditResult, out: Output, output_format: str, *, dry_run: bool, verb: str) -> None:
    from hfscaffold.cli._text import steered_line, violation_lines

    if output_format == "json":
        emit_json({
            "project": str(result.project), "written": result.written, "dry_run": dry_run,
            "moved": [c.as_json() for c in result.moved], "changed": result.changed,
            "steered": result.resolution.applied,
        })  # fmt: skip
        return
    for rule_id, option in result.resolution.applied.items():
        out.step(steered_line(rule_id, option))
    for violation in result.resolution.warnings:
        out.step("\n".join(violation_lines(violation)))
    for change in result.moved:
        sign = "+" if change.old is None else "-" if change.new is None else "~"
        versions = (
            change.new if change.old is None else change.old if change.new is None else f"{change.old} -> {change.new}"
        )
        click.echo(f" {sign} {change.name} {versions}")
    if dry_run:
        out.step(
            f"Would {verb}: " + ", ".join(v or k for k, v in result.written.items()) + " (dry run: nothing written)"
        )
    elif not out.quiet:
        written = ", ".join(v or k for k, v in result.written.items())
        env = "the environment is synced" if result.synced else "`hfscaffold run` syncs the environment"
        click.echo(f"{_PAST[verb]} {written}; uv.lock is current ({env})", err=True)


@click.command(cls=Command)
@project_option
@click.argument("packages", nargs=-1, required=True, metavar="PKG[SPEC]...")
@_where_options
@click.option(
    "--allow", "allow", multiple=True, metavar="RULE_ID", help="Accept a matrix rule your own pins hit (recorded)."
)
@offline_option("Resolve from uv's cache only.")
@_dry_run_option
@format_option("text", "json")
def add(
    project: Path,
    packages: tuple[str, ...],
    dev: bool,
    group: str | None,
    allow: tuple[str, ...],
    offline: bool,
    dry_run: bool,
    no_sync: bool,
    output_format: str,
) -> None:
    """Add PKGs from the index, each pinned `==` the version uv resolves, and lock again.

    A range (`peft>=0.13`) is resolved and written exact; an exact pin is kept as given; extras
    and markers stay. The new lock is steered around the matrix's known-bad combinations, or
    refused with the rule named, as by `new`. Prints what moved in uv.lock. An environment that
    `hfscaffold sync` built is brought in step (as `uv add` does) unless --no-sync.
    """
    from hfscaffold.operations.edit import EditRequest, add_packages

    out = Output(machine_readable=output_format == "json")
    request = EditRequest(
        project, packages, group=_group(dev, group), offline=offline, dry_run=dry_run, allow=allow, sync=not no_sync
    )
    with out.working("Resolving with uv and checking the matrix"):
        result = add_packages(request, report=out.step)
    _show(result, out, output_format, dry_run=dry_run, verb="add")


@click.command(cls=Command)
@project_option
@click.argument("packages", nargs=-1, required=True, metavar="PKG...")
@_where_options
@offline_option("Resolve from uv's cache only.")
@_dry_run_option
@format_option("text", "json")
def remove(
    project: Path,
    packages: tuple[str, ...],
    dev: bool,
    group: str | None,
    offline: bool,
    dry_run: bool,
    no_sync: bool,
    output_format: str,
) -> None:
    """Remove PKGs from the project's requirements, and lock again with the matrix."""
    from hfscaffold.operations.edit import EditRequest, remove_packages

    out = Output(machine_readable=output_format == "json")
    request = EditRequest(
        project, packages, group=_group(dev, group), offline=offline, dry_run=dry_run, sync=not no_sync
    )
    with out.working("Resolving with uv and checking the matrix"):
        result = remove_packages(request, report=out.step)
    _show(result, out, output_format, dry_run=dry_run, verb="remove")
