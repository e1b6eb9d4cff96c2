"""The layers hold: only adapters touch the outside world, and the core knows no CLI.

Read statically (ast), so an import hidden inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "hfscaffold"
CORE = (
    "catalog",
    "errors",
    "matrix",
    "naming",
    "pins",
    "policy",
    "project",
    "pyproject",
    "resolution",
    "review",
    "settings",
    "trust",
    "validation",
    "_toml",
)
OUTSIDE_WORLD = {"subprocess", "copier", "plumbum"}
USER_INTERFACE = {"click", "rich"}


def imported(module: Path) -> set[str]:
    """The top-level names of everything ``module`` imports, wherever the import stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize(
    "module", [m for m in MODULES if "adapters" not in m.parts], ids=lambda m: str(m.relative_to(PACKAGE))
)
def test_only_adapters_run_processes_or_copier(module: Path) -> None:
    assert imported(module) & OUTSIDE_WORLD == set()


@pytest.mark.parametrize("name", CORE)
def test_core_modules_import_neither_click_nor_rich_nor_the_outside_world(name: str) -> None:
    assert imported(PACKAGE / f"{name}.py") & (USER_INTERFACE | OUTSIDE_WORLD) == set()


def test_the_lists_above_name_real_modules() -> None:
    assert all((PACKAGE / f"{name}.py").is_file() for name in CORE)
    assert any("adapters" in m.parts for m in MODULES)
