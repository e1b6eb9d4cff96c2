"""``hfscaffold components``: the catalog and the task presets."""

from __future__ import annotations

from typing import Any

import click

from hfscaffold.cli._options import Command, format_option
from hfscaffold.cli._render import console, emit_json


@click.command(cls=Command)
@format_option("table", "json")
def components(output_format: str) -> None:
    """List the components hfscaffold knows (the HF stack and its companions)."""
    from hfscaffold.catalog import load_catalog, load_tasks

    catalog = load_catalog()
    tasks = load_tasks()
    if output_format == "json":
        rows: list[dict[str, Any]] = [c.model_dump() for c in catalog.components]
        emit_json({"components": rows, "tasks": [t.model_dump() for t in tasks.tasks]})
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("component", "family", "aliases", "torch", "description"):
        table.add_column(column, overflow="fold")
    for c in catalog.components:
        table.add_row(c.name, c.family, ", ".join(c.aliases), "yes" if c.needs_torch else "", c.description)
    terminal = console()
    terminal.print(table)
    presets = Table(box=None, pad_edge=False, title="tasks (hfscaffold new NAME --task TASK)", title_justify="left")
    for column in ("task", "components", "description"):
        presets.add_column(column, overflow="fold")
    for t in tasks.tasks:
        presets.add_row(t.id, ", ".join(t.components), t.summary)
    terminal.print()
    terminal.print(presets)
