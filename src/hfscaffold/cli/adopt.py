"""``hfscaffold adopt [DIR]``: an existing project becomes an hfscaffold project, in place."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, offline_option
from hfscaffold.cli._render import Output, emit_json


@click.command(cls=Command)
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--requirements", "requirements", metavar="FILE", help="Read this requirements file (default: the first found)."
)
@click.option(
    "--from-env",
    "from_env",
    metavar="PATH",
    type=click.Path(path_type=Path, exists=True),
    help="Keep the versions an environment of yours has installed (a venv folder or its python).",
)
@click.option(
    "--allow", "allow", multiple=True, metavar="RULE_ID", help="Accept a matrix rule your own pins hit (recorded)."
)
@click.option(
    "--rules",
    "rule_files",
    multiple=True,
    metavar="FILE",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="More matrix rules (TOML), beside the built-in ones.",
)
@offline_option("Resolve from uv's cache only.")
@click.option(
    "--export",
    is_flag=True,
    help="Rewrite the requirements file from the new lock (exact, with hashes), by uv's exporter.",
)
@click.option(
    "--scaffold",
    is_flag=True,
    help="Add the template's files the project lacks (its tests, CI, answers for `update`); never overwrites.",
)
@click.option("--no-sync", is_flag=True, help="Do not build the project's own environment (.venv).")
@click.option("--dry-run", is_flag=True, help="Resolve and show the pins; write nothing.")
@format_option("text", "json")
def adopt(
    folder: Path,
    requirements: str | None,
    from_env: Path | None,
    allow: tuple[str, ...],
    rule_files: tuple[Path, ...],
    offline: bool,
    export: bool,
    scaffold: bool,
    no_sync: bool,
    dry_run: bool,
    output_format: str,
) -> None:
    """Make the project in FOLDER an hfscaffold project: exact pins, a uv lock, its own .venv.

    Reads pyproject.toml ([project], or poetry's dependencies), else requirements*.txt, else
    setup.cfg (a setup.py is never run). Every requirement is pinned `==` the version uv resolves
    within your range (or, with --from-env, the version your environment has), locked with the
    matrix (steered or refused as by `new`). Only pyproject.toml and uv.lock are written; your
    other files stay as they are (the requirements file too, unless --export).
    """
    from hfscaffold.cli._text import steered_line, violation_lines
    from hfscaffold.operations.adopt import AdoptRequest, adopt_project

    out = Output(machine_readable=output_format == "json")
    request = AdoptRequest(
        folder,
        requirements=(requirements,) if requirements else (),
        from_env=from_env,
        offline=offline,
        dry_run=dry_run,
        sync=not (no_sync or dry_run),
        allow=allow,
        rule_files=rule_files,
        export=export,
        scaffold=scaffold,
    )
    with out.working("Resolving with uv and checking the matrix"):
        result = adopt_project(request, report=out.step)
    if output_format == "json":
        emit_json({
            "project": str(result.project), "source": result.declared.source, "written": result.written,
            "changed": result.changed, "synced": result.synced, "dry_run": dry_run,
            "steered": result.resolution.applied, "left_out": list(result.declared.left_out),
            "added": result.added,
        })  # fmt: skip
        return
    for rule_id, option in result.resolution.applied.items():
        out.step(steered_line(rule_id, option))
    for violation in result.resolution.warnings:
        out.step("\n".join(violation_lines(violation)))
    for line in result.declared.left_out:
        out.step(f"Not adopted: {line}")
    for line in result.written.values():
        click.echo(f" = {line}")
    for name in result.added:
        out.step(f"Added {name} (from the template)")
    if dry_run:
        out.step("Dry run: nothing written")
    elif not out.quiet:
        env = "its own .venv is built" if result.synced else "`hfscaffold sync` builds its .venv"
        click.echo(
            f"Adopted {result.project.name}: {len(result.written)} pin{'' if len(result.written) == 1 else 's'}"
            f" from {result.declared.source} in pyproject.toml,"
            f" uv.lock current, {env}. Next: hfscaffold run -- COMMAND runs in it",
            err=True,
        )
