"""The environment is the one the lock describes: every component imports at its pinned version.

Runs offline: it reads pyproject.toml and the installed metadata, nothing else.
"""

from __future__ import annotations

import importlib
import re
from importlib.metadata import version
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
IMPORTS = {"accelerate": "accelerate", "datasets": "datasets", "safetensors": "safetensors", "tokenizers": "tokenizers", "torch": "torch", "transformers": "transformers"}
# hfscaffold writes every dependency as "name==version" (extras allowed); tomllib is 3.11+ only.
PIN = re.compile(r'^\s*"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^";,\s]+)', re.MULTILINE)


def pinned() -> dict[str, str]:
    text = PYPROJECT.read_text(encoding="utf-8")
    dependencies = re.search(r"^dependencies = \[$(.*?)^\]", text, re.DOTALL | re.MULTILINE).group(1)
    return {name.lower().replace("_", "-"): pin for name, pin in PIN.findall(dependencies)}


@pytest.mark.parametrize("distribution", sorted(IMPORTS))
def test_component_imports_at_its_pinned_version(distribution: str) -> None:
    importlib.import_module(IMPORTS[distribution])
    installed = version(distribution).split("+")[0]  # torch builds carry a local tag (+cpu)
    expected = pinned()[distribution]
    assert installed == expected, f"{distribution} {installed} is installed, pyproject.toml pins {expected}"
