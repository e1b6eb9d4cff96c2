"""examples/ is the tool's own output: regenerating it must give the same files (no drift)."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from hfscaffold import _toml
from hfscaffold.adapters import render
from hfscaffold.adapters.uv import find_uv
from hfscaffold.pyproject import pin_requirements, set_tool_setting

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PROJECTS = sorted(p for p in EXAMPLES.iterdir() if (p / ".copier-answers.yml").is_file())


def recorded_pins(project: Path) -> dict[str, str]:
    pyproject = _toml.loads((project / "pyproject.toml").read_text())
    lines = [*pyproject["project"]["dependencies"], *pyproject.get("dependency-groups", {}).get("dev", [])]
    return {Requirement(line).name: next(iter(Requirement(line).specifier)).version for line in lines}


def test_there_is_an_example_per_preset() -> None:
    from hfscaffold.catalog import load_tasks

    assert sorted(p.name for p in PROJECTS) == sorted(["my-bert-project", *(t.id for t in load_tasks().tasks)])


@pytest.mark.parametrize("example", PROJECTS, ids=lambda p: p.name)
def test_example_regenerates_without_drift(example: Path, tmp_path: Path) -> None:
    """Render the template with the example's recorded answers and pins; every file must match."""
    answers = yaml.safe_load((example / ".copier-answers.yml").read_text())
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    fresh = tmp_path / example.name
    render.render(render.template_path("project"), fresh, data)
    # What resolution decided (pins, the matrix's record) comes from the example; the rest must
    # be exactly what the template renders.
    pyproject = fresh / "pyproject.toml"
    text = pin_requirements(pyproject.read_text(), recorded_pins(example))
    recorded = _toml.loads((example / "pyproject.toml").read_text()).get("tool", {}).get("hfscaffold", {})
    for key in ("allow", "matrix", "matrix-rules", "verified"):
        text = set_tool_setting(text, key, recorded.get(key))
    pyproject.write_text(text)
    shutil.copy(example / "uv.lock", fresh / "uv.lock")  # the lock is checked against the index below

    compared = filecmp.dircmp(example, fresh, ignore=["__pycache__", ".venv", ".pytest_cache"])
    drifted: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str = "") -> None:
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        drifted.extend(prefix + name for name in [*mismatch, *errors, *cmp.left_only, *cmp.right_only])
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(compared)
    assert drifted == [], (
        f"examples/{example.name} drifted from the template: {drifted}; regenerate it (see examples/README.md)"
    )


@pytest.mark.network
@pytest.mark.parametrize("example", PROJECTS, ids=lambda p: p.name)
def test_example_lock_is_current_against_the_real_index(example: Path, tmp_path: Path) -> None:
    copy = tmp_path / example.name
    shutil.copytree(example, copy, ignore=shutil.ignore_patterns(".venv"))
    check = subprocess.run([find_uv(), "lock", "--check"], cwd=copy, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
