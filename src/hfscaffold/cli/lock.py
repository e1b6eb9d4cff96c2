"""``hfscaffold lock``: regenerate or check the lock."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, offline_option, project_option, rules_option
from hfscaffold.cli._render import Output, emit_json
from hfscaffold.errors import ExitCode


@click.command(cls=Command)
@project_option
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; exit 1 if uv.lock is stale or breaks a matrix rule."
)
@offline_option("Resolve from uv's cache only.")
@click.option("--pylock", is_flag=True, help="Also write pylock.toml (PEP 751) for pip users.")
@click.option("--verify", is_flag=True, help="Then sync and import every component in the project's environment.")
@click.option("--dry-run", is_flag=True, help="Resolve and show what would change in uv.lock; write nothing.")
@rules_option
@format_option("text", "json")
def lock(
    project: Path,
    check_only: bool,
    offline: bool,
    pylock: bool,
    verify: bool,
    dry_run: bool,
    rule_files: tuple[Path, ...],
    output_format: str,
) -> None:
    """Regenerate uv.lock from pyproject.toml, steered by the matrix, written atomically.

    Exact pins are kept and nothing is upgraded. With --check nothing changes: exit 1 when the
    lock is stale for pyproject.toml, breaks a matrix rule, or a direct requirement is not pinned
    exactly (for CI and pre-commit; `[tool.hfscaffold] exact = false` allows ranges).
    """

    from hfscaffold.cli._text import locked_line, steered_line, violation_lines
    from hfscaffold.operations.lock import LockRequest, check_lock, lock_project

    request = LockRequest(
        project=project, offline=offline, pylock=pylock, verify=verify, rule_files=rule_files, dry_run=dry_run
    )
    out = Output(machine_readable=output_format == "json")
    if check_only:
        verdict = check_lock(request)
        if output_format == "json":
            emit_json({
                "project": str(verdict.project), "ok": verdict.ok, "stale": verdict.stale,
                "violations": [v.as_json() for v in verdict.violations], "allowed": [v.as_json() for v in verdict.allowed],
                "inexact": verdict.inexact,
            })  # fmt: skip
        else:
            for violation in verdict.violations:
                click.echo("\n".join(violation_lines(violation)))
            if verdict.stale:
                click.echo(f"stale: {verdict.stale}; run `hfscaffold lock`")
            for finding in verdict.inexact:
                click.echo(f"not exact: {finding}")
            if verdict.ok and not out.quiet:
                click.echo("uv.lock is current and clean against the matrix")
        if not verdict.ok:
            click.get_current_context().exit(ExitCode.FINDINGS)
        return
    with out.working("Resolving with uv and checking the matrix"):
        result = lock_project(request, report=out.step)
    for rule_id, option in result.resolution.applied.items():
        out.step(steered_line(rule_id, option))
    for violation in result.resolution.warnings:
        out.step("\n".join(violation_lines(violation)))
    if output_format == "json":
        emit_json({
            "project": str(result.project), "changed": result.changed, "steered": result.resolution.applied,
            "resolved": result.resolution.uv.resolved_count, "recovered": result.recovered,
            "imports": result.imports.record() if result.imports else None,
            "moved": [c.as_json() for c in result.moved], "dry_run": dry_run,
        })  # fmt: skip
        return
    if dry_run:
        for change in result.moved:
            click.echo(f" ~ {change.name} {change.old or '(new)'} -> {change.new or '(gone)'}")
        would = ", ".join(result.changed) if result.changed else "nothing"
        out.step(f"Would write {would} (dry run: nothing was written)")
        return
    out.step(locked_line(result.resolution.uv.resolved_count, result.timings["lock"], result.changed))
    if result.imports is not None:
        out.step(f"Synced and imported {len(result.imports.checked)} components: the lock works")
