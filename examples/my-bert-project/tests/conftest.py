"""Guard: these tests run only in this project's own environment, exactly as pyproject.toml pins it.

One project, one environment: run them with `hfscaffold run pytest` (or `uv run pytest`).
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r'^\s*"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^";,\s]+)', re.MULTILINE)


def _drift() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[$(.*?)^\]", text, re.DOTALL | re.MULTILINE)
    problems = []
    for name, pinned in PIN.findall(block.group(1) if block else ""):
        try:
            installed = version(name).split("+")[0]
        except PackageNotFoundError:
            problems.append(f"{name} is not installed")
            continue
        if installed != pinned:
            problems.append(f"{name} is {installed}, pyproject.toml pins {pinned}")
    return problems


def pytest_sessionstart(session: pytest.Session) -> None:
    own = (ROOT / ".venv").resolve()
    if Path(sys.prefix).resolve() != own:
        pytest.exit(f"these tests run only in this project's own environment ({own}), not {sys.prefix}: use `hfscaffold run pytest`", returncode=3)
    drift = _drift()
    if drift:
        pytest.exit(f"the environment has drifted from the lock ({'; '.join(drift)}): run `hfscaffold sync`", returncode=3)
