"""``hfscaffold new``: options in, a project out."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Command, TorchBackend, WithItems, format_option, offline_option, rules_option
from hfscaffold.cli._render import Output, emit_json, shown


@click.command(cls=Command)
@click.argument("name")
@click.option(
    "--with",
    "with_",
    multiple=True,
    type=WithItems(),
    metavar="ITEMS",
    help="Components, comma separated, repeatable: NAME, NAME==X.Y.Z or any PEP 440 specifier.",
)
@click.option(
    "--task", "task", metavar="TASK", help="A task preset (e.g. text-classification): components and runnable code."
)
@click.option(
    "--python",
    "python",
    metavar="VERSION|PATH",
    help="The project's Python: a version (3.12) or an interpreter's path [default: the running one].",
)
@click.option("--dest", type=click.Path(path_type=Path, file_okay=False), help="Folder to create [default: ./NAME].")
@click.option(
    "--torch",
    "torch_backend",
    type=TorchBackend(),
    default="pypi",
    show_default=True,
    metavar="BACKEND",
    help="Where torch comes from: pypi, cpu, cuXYZ (e.g. cu128) or rocmX.Y.",
)
@click.option("--no-sync", is_flag=True, help="Lock only; do not build the environment.")
@click.option("--no-lock", is_flag=True, help="Render only; no resolution (implies nothing is synced).")
@click.option("--no-verify", is_flag=True, help="After syncing, skip importing each component.")
@offline_option("Resolve from uv's cache only.")
@click.option(
    "--template", "template", metavar="PATH_OR_URL", help="Render your own Copier template instead of the bundled one."
)
@click.option("--trust", is_flag=True, help="Let --template run Copier tasks and Jinja extensions.")
@click.option(
    "--allow", "allow", multiple=True, metavar="RULE_ID", help="Accept a matrix rule your own pins hit (recorded)."
)
@click.option(
    "--vcs",
    type=click.Choice(["git", "none"]),
    default="git",
    show_default=True,
    help="Make a git repository with a first commit (not inside an existing one).",
)
@click.option("--dry-run", is_flag=True, help="Render and resolve, print the pins; write nothing.")
@rules_option
@format_option("text", "json")
def new(
    name: str,
    with_: tuple[tuple[str, ...], ...],
    task: str | None,
    python: str | None,
    dest: Path | None,
    torch_backend: str,
    no_sync: bool,
    no_lock: bool,
    no_verify: bool,
    offline: bool,
    template: str | None,
    trust: bool,
    allow: tuple[str, ...],
    vcs: str,
    dry_run: bool,
    rule_files: tuple[Path, ...],
    output_format: str,
) -> None:
    """Create project NAME with exact pins, a uv lock and its own environment.

    \b
    Examples:
      hfscaffold new my-bert-project --with transformers,datasets,accelerate
      hfscaffold new demo --task text-classification
    """
    from hfscaffold.adapters.interpreters import PythonChoice
    from hfscaffold.adapters.knowledge_files import load_rules
    from hfscaffold.catalog import choose, load_tasks
    from hfscaffold.operations.new import NewRequest, create_project

    out = Output(machine_readable=output_format == "json")
    preset = load_tasks().get(task) if task else None
    request = NewRequest(
        name=name,
        dest=(dest or Path(name)).absolute(),
        choices=tuple(choose([item for items in with_ for item in items], task=preset)),
        task=preset,
        python=PythonChoice.from_request(python),
        torch_backend=torch_backend,
        lock=not no_lock,
        sync=not (no_sync or no_lock),
        offline=offline,
        rules=load_rules(rule_files),
        allow=frozenset(allow),
        verify=not no_verify,
        template=template,
        trust=trust,
        vcs=vcs,
        dry_run=dry_run,
    )
    with out.working("Rendering, resolving with uv and checking the matrix"):
        result = create_project(request, report=out.step)
    if output_format == "json":
        emit_json(
            {
                "project": str(result.dest),
                "package": result.package,
                "pins": result.pins,
                "resolved": result.resolved,
                "locked": result.locked,
                "synced": result.synced,
                "timings": {k: round(v, 3) for k, v in result.timings.items()},
                "steered": result.steered,
                "warnings": [v.as_json() for v in result.warnings],
                "allowed": [v.as_json() for v in result.allowed],
                "dry_run": dry_run,
            }
        )
        return
    if not out.quiet:
        from hfscaffold.cli._text import violation_lines

        for violation in result.warnings:
            click.echo("\n".join(violation_lines(violation)), err=True)
        for violation in result.allowed:
            click.echo("\n".join(violation_lines(violation, allowed=True)), err=True)
        for component, version in result.pins.items():
            click.echo(f" + {component}=={version}")
        where = click.format_filename(shown(result.dest))
        if not result.published:
            click.echo(f"Would create {where} (dry run: nothing was written)")
            return
        next_step = _next_step(result.dest)
        click.echo(f"Created {where}. Next: cd {where} && {next_step}")


def _next_step(dest: Path) -> str:
    """The command to run next: the project's tests where it has pytest (`run` syncs first when
    the environment is not built yet), else building the environment."""
    from packaging.utils import canonicalize_name

    from hfscaffold.project import load_project

    names = {canonicalize_name(r.name) for _, r in load_project(dest).direct_requirements()}
    return "hfscaffold run pytest" if "pytest" in names else "hfscaffold sync"
