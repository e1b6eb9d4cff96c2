"""What an installed environment holds, asked of its own interpreter (never imported here)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hfscaffold.errors import ExternalError, UserError
from hfscaffold.pins import PinSet, from_installed

# Runs inside the inspected interpreter: standard library only.
_INSPECT = """
import importlib.metadata as m, json, platform, sys
packages = {}
for dist in m.distributions():
    name = dist.metadata["Name"]
    if name:
        packages[name] = dist.version
print(json.dumps({"python": platform.python_version(), "platform": sys.platform, "prefix": sys.prefix, "packages": packages}))
"""


def interpreter_of(venv: Path) -> Path:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    raise UserError(f"{venv} has no Python interpreter", hint="build it with `uv sync --locked`, or pass --python PATH")


def inspect_environment(python: Path) -> PinSet:
    """The distributions installed for ``python`` (an interpreter path)."""
    if not python.exists():
        raise UserError(f"{python} does not exist", hint="pass the path of a Python interpreter")
    try:
        completed = subprocess.run([str(python), "-c", _INSPECT], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExternalError(f"could not run {python}: {exc}", hint="pass a working interpreter with --python") from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ExternalError(f"{python} failed to list its packages: {last}", hint="pass a working interpreter with --python")
    data = json.loads(completed.stdout)
    return from_installed(data["packages"], source=data["prefix"], python=data["python"], platform=data["platform"])
