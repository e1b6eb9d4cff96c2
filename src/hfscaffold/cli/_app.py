"""The click group: a lazy group whose commands load only when they run.

``hfscaffold --help`` lists the commands from the table in hfscaffold.cli without importing
them; a test keeps that table equal to the commands' own help.
"""

from __future__ import annotations

import sys

import click

from hfscaffold import __version__
from hfscaffold.cli import COMMANDS
from hfscaffold.cli._options import GLOBAL_OPTIONS, GlobalFlags

CONTEXT_SETTINGS: dict[str, object] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        import importlib

        module, function, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"hfscaffold.cli.{module}"), function)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=entry[2]).get_short_help_str(limit))
            for name, entry in sorted(COMMANDS.items())
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _help(flag: str) -> str:
    return next(text for flags, text in GLOBAL_OPTIONS if flag in flags.split(", "))


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="hfscaffold")
@click.option("-q", "--quiet", is_flag=True, help=_help("--quiet"))
@click.option("-v", "--verbose", count=True, help=_help("--verbose"))
@click.option("--debug", is_flag=True, help=_help("--debug"))
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: int, debug: bool) -> None:
    """Start and upgrade Hugging Face projects: exact pins, reviewed upgrades, one environment each."""
    ctx.obj = GlobalFlags(debug=debug, quiet=quiet, verbose=verbose)
    if verbose and not quiet:
        import logging

        # The adapters log each call of uv, git or an interpreter (adapters/process.py); the
        # handler goes when the command ends, so nothing outlives it in a long-lived process.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("hfscaffold")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False

        def stop_logging() -> None:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
            logger.propagate = True

        ctx.call_on_close(stop_logging)
