"""What an installed environment holds, asked of its own interpreter (never imported here)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hfscaffold.errors import ExternalError, UserError
from hfscaffold.pins import PinSet, from_installed

# Runs inside the inspected interpreter: standard library only (PEP 508 marker values included).
_INSPECT = """
import importlib.metadata as m, json, os, platform, sys
packages = {}
for dist in m.distributions():
    name = dist.metadata["Name"]
    if name:
        packages[name] = dist.version
info = sys.implementation.version
implementation_version = f"{info.major}.{info.minor}.{info.micro}"
if info.releaselevel != "final":
    implementation_version += info.releaselevel[0] + str(info.serial)
markers = {
    "implementation_name": sys.implementation.name,
    "implementation_version": implementation_version,
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
torch = None
if "torch" in sys.argv[1:] and any(n.lower() == "torch" for n in packages):
    try:
        import torch as t
        torch = {"version": t.__version__, "cuda": t.version.cuda, "cuda_available": bool(t.cuda.is_available())}
    except Exception as exc:
        torch = {"version": packages.get("torch", "?"), "error": f"{type(exc).__name__}: {exc}"}
print(json.dumps({"python": platform.python_version(), "platform": sys.platform, "prefix": sys.prefix,
                  "packages": packages, "markers": markers, "torch": torch}))
"""


@dataclass(frozen=True)
class EnvironmentReport:
    pins: PinSet
    python: str
    markers: dict[str, str]
    torch: dict[str, object] | None


def interpreter_of(venv: Path) -> Path:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    raise UserError(f"{venv} has no Python interpreter", hint="build it with `uv sync --locked`, or pass --python PATH")


def inspect_environment(python: Path) -> PinSet:
    """The distributions installed for ``python`` (an interpreter path)."""
    return inspect_environment_fully(python).pins


def inspect_environment_fully(python: Path, *, torch: bool = False) -> EnvironmentReport:
    """Installed distributions, marker values and, when asked and torch is installed, its build."""
    if not python.exists():
        raise UserError(f"{python} does not exist", hint="pass the path of a Python interpreter")
    try:
        completed = subprocess.run([str(python), "-c", _INSPECT, *(["torch"] if torch else [])], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExternalError(f"could not run {python}: {exc}", hint="pass a working interpreter with --python") from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ExternalError(f"{python} failed to list its packages: {last}", hint="pass a working interpreter with --python")
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    pins = from_installed(data["packages"], source=data["prefix"], python=data["python"], platform=data["platform"])
    return EnvironmentReport(pins=pins, python=data["python"], markers=data["markers"], torch=data["torch"])
