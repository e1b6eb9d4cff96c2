"""Options several commands share, declared once so that a flag means the same everywhere.

The global flags (``--debug``, ``-q``, ``-v``) belong to the group and may come before or after
the command (see ``hoist_global_flags``); every command's help lists them, as uv's does. Values
with a syntax of their own (``--with`` items, torch backends, policies, durations) are click
parameter types that call the core's parser, so a bad value is a usage error naming the option,
with the core's hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hfscaffold.cli._argv import GLOBAL_FLAGS, GLOBAL_OPTIONS, end_of_own_arguments, hoist_global_flags
from hfscaffold.errors import UserError

__all__ = ["GLOBAL_FLAGS", "GLOBAL_OPTIONS", "end_of_own_arguments", "hoist_global_flags"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class GlobalFlags:
    debug: bool = False
    quiet: bool = False
    verbose: int = 0


def global_flags() -> GlobalFlags:
    """The global flags of the running command (the defaults outside a command line)."""
    context = click.get_current_context(silent=True)
    flags = context.find_root().obj if context is not None else None
    return flags if isinstance(flags, GlobalFlags) else GlobalFlags()


def _global_options(formatter: click.HelpFormatter) -> None:
    with formatter.section("Global options"):
        formatter.write_dl(list(GLOBAL_OPTIONS))


class Command(click.Command):
    """A command whose help ends with the global options."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        _global_options(formatter)


class Group(click.Group):
    """A group of commands (``matrix``) whose subcommands are ``Command``s."""

    command_class = Command

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        _global_options(formatter)


class BadValue(click.BadParameter):
    """A value the core's parser refused: its message, and its hint for the error line."""

    def __init__(self, error: UserError, ctx: click.Context | None, param: click.Parameter | None) -> None:
        super().__init__(error.message, ctx=ctx, param=param)
        self.hint = error.hint


if TYPE_CHECKING:  # click's ParamType is generic in the stubs of newer releases only
    _ParamType = click.ParamType[Any, Any]
else:
    _ParamType = click.ParamType


class _CoreType(_ParamType):
    """A parameter type that converts with a core parser raising UserError."""

    def parse(self, value: str) -> Any:
        raise NotImplementedError

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value  # a default already converted
        try:
            return self.parse(value)
        except UserError as exc:
            raise BadValue(exc, ctx, param) from None


class WithItems(_CoreType):
    """``--with a,b>=1,<2``: the items of one value, each a valid requirement of name and version."""

    name = "items"

    def parse(self, value: str) -> tuple[str, ...]:
        from hfscaffold.catalog import parse_requirement_item, split_with_items

        items = tuple(split_with_items([value]))
        for item in items:
            parse_requirement_item(item)
        return items


class TorchBackend(_CoreType):
    name = "backend"

    def parse(self, value: str) -> str:
        from hfscaffold.catalog import parse_torch_backend

        return parse_torch_backend(value)


class PolicyType(_CoreType):
    name = "policy"

    def parse(self, value: str) -> Any:
        from hfscaffold.policy import parse_policy

        return parse_policy(value)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(p) for p in ("patch", "minor", "major") if p.startswith(incomplete)]


class Duration(_CoreType):
    """A duration such as ``7 days``; kept as written (the review records it so)."""

    name = "duration"

    def parse(self, value: str) -> str:
        from hfscaffold.policy import parse_cooldown

        parse_cooldown(value)
        return value


def project_option(function: F) -> F:
    from pathlib import Path  # when a command is built: top-level --help never needs pathlib

    return click.option(
        "--project",
        "project",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("."),
        show_default=True,
        help="The project folder.",
    )(function)


def rules_option(function: F) -> F:
    from pathlib import Path

    return click.option(
        "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
    )(function)


def offline_option(help: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        return click.option("--offline", is_flag=True, help=help)(function)

    return decorate


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format``: the first choice is the default."""

    def decorate(function: F) -> F:
        return click.option(
            "--format", "output_format", type=click.Choice(list(choices)), default=choices[0], show_default=True
        )(function)

    return decorate
