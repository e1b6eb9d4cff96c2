"""Output of the commands: progress on stderr, results on stdout, tables through rich, reviews in
text, Markdown or JSON. rich is imported only when a table or spinner is drawn."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hfscaffold.cli._envelope import emit_json, envelope, take_json
from hfscaffold.cli._options import global_flags

__all__ = ["emit_json", "envelope", "take_json"]

if TYPE_CHECKING:
    from rich.console import Console


class Output:
    """Progress and results; progress goes to stderr so stdout stays machine-readable.

    On a terminal, long steps show a spinner (rich); elsewhere only the finished steps print.
    Quiet (``-q``, or when stdout carries JSON or Markdown), none of it prints.
    """

    def __init__(self, *, machine_readable: bool = False) -> None:
        self.quiet = machine_readable or global_flags().quiet

    def step(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def warn(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"warning: {message}", err=True)

    @contextmanager
    def working(self, message: str) -> Iterator[None]:
        if self.quiet or not sys.stderr.isatty():
            yield
            return
        from rich.console import Console

        with Console(stderr=True).status(message):
            yield


def console() -> Console:
    """A rich console; when output is not a terminal, wide enough that tables do not fold."""
    from rich.console import Console

    terminal = Console(soft_wrap=False)
    if not terminal.is_terminal:
        terminal.width = max(terminal.width, 160)
    return terminal


def shown(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it: shorter and copy-pasteable."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def emit_review(review: Any, output_format: str, report_file: Path | None, *, title: str) -> None:
    import json

    from hfscaffold.cli import _report as report

    if report_file is not None:
        from hfscaffold.adapters.fs import write_atomic

        body = (
            json.dumps(review.as_json(), indent=2) + "\n"
            if report_file.suffix == ".json"
            else report.markdown(review, title=title)
        )
        write_atomic(report_file.absolute(), body)
    if output_format == "json":
        emit_json(review.as_json())
    elif output_format == "md":
        click.echo(report.markdown(review, title=title), nl=False)
    else:
        console().print(report.table(review))
