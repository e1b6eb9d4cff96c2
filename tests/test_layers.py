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
    "knowledge",
    "matrix",
    "naming",
    "pins",
    "policy",
    "project",
    "pyproject",
    "ranges",
    "resolution",
    "review",
    "settings",
    "settings_schema",
    "trust",
    "validation",
    "_toml",
)
OUTSIDE_WORLD = {"subprocess", "copier", "plumbum"}
USER_INTERFACE = {"click", "rich"}


def imported(module: Path, *, depth: int = 1) -> set[str]:
    """The names of everything ``module`` imports, wherever the import stands, cut to their first
    ``depth`` parts (``hfscaffold.operations.sync`` at depth 3)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
        if isinstance(node, ast.Import):
            names |= {".".join(alias.name.split(".")[:depth]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(".".join(node.module.split(".")[:depth]))
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize(
    "module", [m for m in MODULES if "adapters" not in m.parts], ids=lambda m: str(m.relative_to(PACKAGE))
)
def test_only_adapters_run_processes_or_copier(module: Path) -> None:
    assert imported(module) & OUTSIDE_WORLD == set()


def started_programs(module: Path) -> list[int]:
    """Lines of ``module`` that call subprocess.run/Popen/call/check_* or os.system/exec*/spawn*."""
    starters = {"run", "Popen", "call", "check_call", "check_output", "system", "popen"}
    lines = []
    for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, name = node.func.value, node.func.attr
            starts = name in starters or name.startswith(("exec", "spawn"))
            if isinstance(owner, ast.Name) and owner.id in ("subprocess", "os") and starts:
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(PACKAGE)))
def test_programs_start_in_one_place(module: Path) -> None:
    """Every program starts through adapters/process.py, so ``-v`` shows each call."""
    if module == PACKAGE / "adapters" / "process.py":
        assert started_programs(module), "process.py is where programs start"
    else:
        assert started_programs(module) == []


@pytest.mark.parametrize("name", CORE)
def test_core_modules_import_neither_click_nor_rich_nor_the_outside_world(name: str) -> None:
    assert imported(PACKAGE / f"{name}.py") & (USER_INTERFACE | OUTSIDE_WORLD) == set()


OPERATIONS = sorted((PACKAGE / "operations").glob("[!_]*.py"))


@pytest.mark.parametrize("module", OPERATIONS, ids=lambda m: m.stem)
def test_no_operation_imports_another(module: Path) -> None:
    """What two commands share lives in the core or an adapter, never in one of them."""
    others = {f"hfscaffold.operations.{m.stem}" for m in OPERATIONS if m != module}
    assert imported(module, depth=3) & others == set()


@pytest.mark.parametrize(
    "module",
    [m for m in MODULES if "operations" not in m.parts and "cli" not in m.parts],
    ids=lambda m: str(m.relative_to(PACKAGE)),
)
def test_nothing_below_the_operations_imports_them(module: Path) -> None:
    assert not any(name.startswith("hfscaffold.operations") for name in imported(module, depth=3))


@pytest.mark.parametrize(
    "module", [m for m in MODULES if "cli" not in m.parts], ids=lambda m: str(m.relative_to(PACKAGE))
)
def test_only_the_cli_imports_click_or_rich(module: Path) -> None:
    assert imported(module) & USER_INTERFACE == set()


def test_the_lists_above_name_real_modules() -> None:
    assert len(OPERATIONS) >= 8
    assert all((PACKAGE / f"{name}.py").is_file() for name in CORE)
    assert any("adapters" in m.parts for m in MODULES)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(PACKAGE)))
def test_modules_stay_small(module: Path) -> None:
    assert len(module.read_text().splitlines()) <= 400, "split it: a module does one thing"


TASKS = Path(__file__).resolve().parents[1] / "templates" / "project" / "_tasks"


@pytest.mark.parametrize(
    "snippet",
    [
        "def load_config(",
        "CONFIG = Path(",
        "def parse_arguments(argv: list[str] | None = None) -> tuple[",
        "def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:",
        "def start_logging(",
        "def load_data(",
        "def last_checkpoint(",
        "trainer.train(resume_from_checkpoint",
        "def test_two_processes_train_data_parallel",
        "def test_the_accelerate_configs_load",
        "def save_checkpoint(",
        "accelerator.skip_first_batches(",
        "class LoopArguments:",
        "class LightningArguments:",
        "class TrainingModule(",
        "ModelCheckpoint(",
        "lightning.Trainer(",
    ],
)
def test_presets_share_code_through_macros_not_copies(snippet: str) -> None:
    """Code every preset needs is written once, in _tasks/_shared.jinja (_lightning.jinja for the
    Lightning variants, _shared_tests.jinja for their tests), and imported as macros; a snippet
    both loops need is written once for each."""
    counts = {str(p.relative_to(TASKS)): p.read_text().count(snippet) for p in TASKS.rglob("*.jinja")}
    holders = {name: count for name, count in counts.items() if count}
    assert holders and set(holders.values()) == {1}
    assert set(holders) <= {"_shared.jinja", "_lightning.jinja", "_shared_tests.jinja"}
