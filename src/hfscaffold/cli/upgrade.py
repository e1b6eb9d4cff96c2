"""``hfscaffold upgrade`` and ``hfscaffold diff``: reviews of a change of pins."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hfscaffold.cli._options import (
    Command,
    Duration,
    PolicyType,
    format_option,
    offline_option,
    project_option,
    rules_option,
)
from hfscaffold.cli._render import Output, emit_review
from hfscaffold.errors import ExitCode

if TYPE_CHECKING:
    from hfscaffold.policy import Policy


@click.command(cls=Command)
@click.argument("packages", nargs=-1, metavar="[PACKAGE ...]")
@project_option
@click.option(
    "--policy",
    type=PolicyType(),
    default="patch",
    show_default=True,
    help="How far pins may move.",
)
@click.option(
    "--cooldown",
    type=Duration(),
    metavar="DURATION",
    help='Hold back releases younger than this [default: the project\'s, else "7 days"; "0 days" turns it off].',
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the review (Markdown; JSON for *.json).",
)
@format_option("text", "md", "json")
@click.option(
    "--apply", "apply_", is_flag=True, help="Write the new pins and lock (atomically); without it nothing changes."
)
@click.option("--dry-run", is_flag=True, help="Only propose, even with --apply (the default without it).")
@offline_option("Resolve from uv's cache only.")
@rules_option
def upgrade(
    packages: tuple[str, ...],
    project: Path,
    policy: Policy,
    cooldown: str | None,
    report_file: Path | None,
    output_format: str,
    apply_: bool,
    dry_run: bool,
    offline: bool,
    rule_files: tuple[Path, ...],
) -> None:
    """Propose an upgrade of PACKAGEs (default: every pin) with a review report.

    The proposal is resolved away from the project, checked and repaired by the matrix, and
    explained: what moved, how far, release notes, what was held back and why. Nothing changes
    without --apply. Exit 1 when the matrix blocks the proposal.
    """
    from hfscaffold.operations.upgrade import UpgradeRequest
    from hfscaffold.operations.upgrade import upgrade as run_upgrade

    out = Output(machine_readable=output_format != "text")
    apply_ = apply_ and not dry_run
    request = UpgradeRequest(
        project=project, packages=packages, policy=policy, apply=apply_, offline=offline,
        cooldown=cooldown, rule_files=rule_files,
    )  # fmt: skip
    with out.working("Resolving the proposal with uv"):
        result = run_upgrade(request, report=out.step)
    emit_review(result.review, output_format, report_file, title="Dependency upgrade proposal")
    if result.applied:
        out.step(f"Applied: wrote {', '.join(result.changed)}")
    elif apply_ and not result.review.blocked and result.review.changes:
        out.step("Nothing was written")
    if result.review.blocked:
        click.get_current_context().exit(ExitCode.FINDINGS)


@click.command("diff", cls=Command)
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--project",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="The project whose code is reviewed against the new versions (when it has a pyproject.toml).",
)
@offline_option("Fetch the changed packages from uv's cache only.")
@format_option("text", "md", "json")
def diff_command(old: Path, new: Path, project: Path, offline: bool, output_format: str) -> None:
    """Review the change between two pin sets (uv.lock, pylock.toml, requirements).

    \b
    Example, for a lock changed in a pull request:
      git show main:uv.lock > old.lock && hfscaffold diff old.lock uv.lock
    """
    from hfscaffold.operations.diff import review_change

    review = review_change(old, new, project=project, offline=offline)
    emit_review(review, output_format, None, title=f"Changes from {old.name} to {new.name}")
