"""``hfscaffold doctor``: the environment against the lock."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, global_flags, offline_option, project_option
from hfscaffold.cli._render import emit_json, shown
from hfscaffold.errors import ExitCode


@click.command(cls=Command)
@project_option
@offline_option("Read the lock from uv's cache only.")
@click.option("--deep", is_flag=True, help="Also check every installed package's imports (see `check --deep`).")
@format_option("text", "json")
def doctor(project: Path, offline: bool, deep: bool, output_format: str) -> None:
    """Check the project's environment: drift from the lock, stamp, Python, matrix, torch build.

    Exit 1 on any problem; `hfscaffold sync` repairs drift.
    """
    from hfscaffold.cli._text import fix_text
    from hfscaffold.operations.doctor import diagnose

    report = diagnose(project, offline=offline, deep=deep)
    if output_format == "json":
        emit_json(report.as_json())
    else:
        for problem in report.problems:
            click.echo(f"{problem.kind}: {problem.message}")
        quiet = global_flags().quiet
        if report.torch and not quiet:
            t = report.torch
            if t.get("error"):
                click.echo(f"torch {t.get('version')}: could not inspect its build ({t['error']})")
            else:
                build = f"CUDA {t.get('cuda')}" if t.get("cuda") else "CPU"
                usable = "usable" if t.get("cuda_available") else "not usable here"
                click.echo(f"torch {t.get('version')}: {build} build; CUDA {usable}")
        for advisory in report.advisories:
            rule = advisory.rule
            click.echo(f"advisory ({rule.severity}): {rule.id} ({', '.join(rule.advisories)}): fix: {fix_text(rule)}")
        if not report.problems and not quiet:
            click.echo(f"{shown(report.project / '.venv')} matches uv.lock ({report.checked} packages); no problems")
    if report.problems:
        click.get_current_context().exit(ExitCode.FINDINGS)
