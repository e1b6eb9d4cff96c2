"""``hfscaffold check``: pins against the compatibility matrix."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, format_option, global_flags, rules_option
from hfscaffold.cli._render import emit_json
from hfscaffold.errors import ExitCode


@click.command(cls=Command)
@click.argument("target", default=".", metavar="[PATH | -]")
@click.option("--env", "environment", is_flag=True, help="Check the installed environment (the project's .venv).")
@click.option(
    "--python",
    "python",
    metavar="PATH|VERSION",
    help="Check this interpreter's environment: its path, or a version uv finds (3.12).",
)
@click.option(
    "--python-version",
    metavar="X.Y",
    help="Target Python of a requirements file [default: this one]; for a lock, keep its targets of this Python.",
)
@click.option(
    "--python-platform",
    type=click.Choice(["linux", "macos", "darwin", "windows"]),
    help="Target platform, as uv pip compile names it [default: this one]; for a lock, keep its targets of it.",
)
@click.option(
    "--no-resolve",
    is_flag=True,
    help="Check a requirements file's pins as they stand, offline, instead of what installing it gives.",
)
@click.option("--offline", is_flag=True, help="Resolve a requirements file from uv's cache only.")
@click.option(
    "--deep",
    is_flag=True,
    help="With --env or --python: check every installed package's imports against the installed versions.",
)
@rules_option
@click.option("--fail-on-advisories", is_flag=True, help="Exit 1 on a security advisory of error severity too.")
@format_option("text", "json")
def check(
    target: str,
    environment: bool,
    python: str | None,
    python_version: str | None,
    python_platform: str | None,
    no_resolve: bool,
    offline: bool,
    deep: bool,
    rule_files: tuple[Path, ...],
    fail_on_advisories: bool,
    output_format: str,
) -> None:
    """Check pins against the compatibility matrix: a project, uv.lock, pylock.toml or requirements.

    PATH is a project folder (default: the current one), a uv.lock, a pylock.toml, or a
    requirements / pip freeze file; - reads one of those from standard input. Exit 1 when an
    error rule fires.
    """
    from hfscaffold.adapters.interpreters import interpreter_for
    from hfscaffold.operations.check import CheckRequest
    from hfscaffold.operations.check import check as run_check

    request = CheckRequest(
        target=target,
        environment=environment,
        python=interpreter_for(python) if python is not None else None,
        rule_files=rule_files,
        fail_on_advisories=fail_on_advisories,
        python_version=python_version,
        python_platform=python_platform,
        resolve=not no_resolve,
        offline=offline,
        deep=deep,
    )
    result = run_check(request)
    if output_format == "json":
        emit_json(result.as_json())
    else:
        from hfscaffold.cli._text import check_report

        for line in check_report(result, quiet=global_flags().quiet):
            click.echo(line)
    if result.failed:
        click.get_current_context().exit(ExitCode.FINDINGS)
