"""The command line: parse options, call one function, render its result, map errors to exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hfscaffold import __version__
from hfscaffold.errors import ExitCode, HfscaffoldError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Output:
    """Progress and results; progress goes to stderr so stdout stays machine-readable."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def step(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="hfscaffold")
@click.option("--debug", is_flag=True, help="Show tracebacks and uv's full output on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Start and upgrade Hugging Face projects: exact pins, reviewed upgrades, one environment each."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("name")
@click.option(
    "--with",
    "with_",
    multiple=True,
    metavar="ITEMS",
    help="Components, comma separated, repeatable: NAME, NAME==X.Y.Z or any PEP 440 specifier.",
)
@click.option("--python", "python", metavar="X.Y", help="Python minor version [default: the running one].")
@click.option("--dest", type=click.Path(path_type=Path, file_okay=False), help="Folder to create [default: ./NAME].")
@click.option(
    "--torch",
    "torch_backend",
    default="pypi",
    show_default=True,
    metavar="BACKEND",
    help="Where torch comes from: pypi, cpu, cuXYZ (e.g. cu128) or rocmX.Y.",
)
@click.option("--no-sync", is_flag=True, help="Lock only; do not build the environment.")
@click.option("--no-lock", is_flag=True, help="Render only; no resolution (implies nothing is synced).")
@click.option("--offline", is_flag=True, help="Resolve from uv's cache only.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def new(
    name: str,
    with_: tuple[str, ...],
    python: str | None,
    dest: Path | None,
    torch_backend: str,
    no_sync: bool,
    no_lock: bool,
    offline: bool,
    quiet: bool,
    output_format: str,
) -> None:
    """Create project NAME with exact pins, a uv lock and its own environment.

    \b
    Example:
      hfscaffold new my-bert-project --with transformers,datasets,accelerate
    """
    from hfscaffold.catalog import choose, split_with_items
    from hfscaffold.commands.new import NewRequest, PythonChoice, create_project

    out = Output(quiet=quiet or output_format == "json")
    request = NewRequest(
        name=name,
        dest=(dest or Path(name)).absolute(),
        choices=tuple(choose(split_with_items(with_))),
        python=PythonChoice.from_request(python),
        torch_backend=torch_backend,
        lock=not no_lock,
        sync=not (no_sync or no_lock),
        offline=offline,
    )
    result = create_project(request, report=out.step)
    if output_format == "json":
        import json

        click.echo(
            json.dumps(
                {
                    "project": str(result.dest),
                    "package": result.package,
                    "pins": result.pins,
                    "resolved": result.resolved,
                    "locked": result.locked,
                    "synced": result.synced,
                    "timings": {k: round(v, 3) for k, v in result.timings.items()},
                },
                indent=2,
            )
        )
        return
    if not quiet:
        for component, version in result.pins.items():
            click.echo(f" + {component}=={version}")
        where = click.format_filename(_shown(result.dest))
        next_step = "uv run pytest" if result.synced else "uv sync --locked && uv run pytest"
        click.echo(f"Created {where}. Next: cd {where} && {next_step}")


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def components(output_format: str) -> None:
    """List the components hfscaffold knows (the HF stack and its companions)."""
    from hfscaffold.catalog import load_catalog

    catalog = load_catalog()
    if output_format == "json":
        import json

        rows: list[dict[str, Any]] = [c.model_dump() for c in catalog.components]
        click.echo(json.dumps({"components": rows}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("component", "family", "aliases", "torch", "description"):
        table.add_column(column, overflow="fold")
    for c in catalog.components:
        table.add_row(c.name, c.family, ", ".join(c.aliases), "yes" if c.needs_torch else "", c.description)
    Console(soft_wrap=False).print(table)


def _shown(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it: shorter and copy-pasteable."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> None:
    """The console script: the only place that exits."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="hfscaffold", standalone_mode=False)
    except HfscaffoldError as exc:
        if debug:
            import traceback

            traceback.print_exc()
            if exc.detail:
                click.echo(exc.detail.rstrip(), err=True)
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.BAD_INPUT if exc.exit_code == 2 else exc.exit_code)
    sys.exit(ExitCode.OK)
