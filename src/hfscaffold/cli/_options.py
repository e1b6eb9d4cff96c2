"""Options several commands share, declared once so that a flag means the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def project_option(function: F) -> F:
    return click.option(
        "--project",
        "project",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("."),
        show_default=True,
        help="The project folder.",
    )(function)


def rules_option(function: F) -> F:
    return click.option(
        "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
    )(function)


def quiet_option(function: F) -> F:
    return click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")(function)


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
