"""What an installed environment holds, asked of its own interpreter (never imported here)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from hfscaffold import __version__
from hfscaffold.adapters.fs import is_inside, real, write_atomic
from hfscaffold.adapters.process import run_process
from hfscaffold.errors import ExternalError, UserError
from hfscaffold.pins import PinSet, from_installed

STAMP = "hfscaffold.json"
# The parts of an environment whose place decides where installs land and what runs.
_LAYOUT = ("pyvenv.cfg", "bin", "Scripts", "lib", "lib64", "Lib", "include", STAMP)
_FILES = ("pyvenv.cfg", STAMP)

# Runs inside the inspected interpreter: standard library only (PEP 508 marker values included).
_INSPECT = """
import importlib.metadata as m, json, os, platform, sys, sysconfig
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
paths = sysconfig.get_paths()
site = sorted({paths["purelib"], paths["platlib"]})
print(json.dumps({"python": platform.python_version(), "platform": sys.platform, "prefix": sys.prefix,
                  "packages": packages, "markers": markers, "torch": torch, "site": site}))
"""


@dataclass(frozen=True)
class EnvironmentReport:
    pins: PinSet
    python: str
    markers: dict[str, str]
    torch: dict[str, object] | None
    site: tuple[Path, ...] = ()  # its site-packages folders


def layout_problem(venv: Path) -> str | None:
    """Why ``venv`` is not a real environment folder of its own (None when it is, or is absent).

    Its folder, its configuration and the folders installs go to must all lie inside it: a
    link or a file in their place would send installs into another environment.
    """
    if venv.is_symlink():
        return f"{venv} is a link to {os.readlink(venv)}"
    if not venv.exists():
        return None
    if not venv.is_dir():
        return f"{venv} is a file, not an environment folder"
    folder = real(venv)
    for name in _LAYOUT:
        part = venv / name
        if part.is_symlink():
            target = real(part.parent / os.readlink(part))
            if name in _FILES or not is_inside(target, folder) or not target.exists():
                return f"{part} is a link to {os.readlink(part)}, outside the environment"
        elif name in _FILES and part.exists() and not part.is_file():
            return f"{part} is not a file"
    for site in (*folder.glob("lib*/python*/site-packages"), *folder.glob("Lib/site-packages")):
        if not is_inside(real(site), folder):
            return f"{site} leads outside the environment, to {real(site)}"
    return None


def read_stamp(venv: Path) -> dict[str, object] | None:
    """What ``hfscaffold sync`` recorded in the environment, or None."""
    path = venv / STAMP
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def write_stamp(
    venv: Path, *, project: Path, lock: str | None, pyproject: str | None, python: str
) -> dict[str, object]:
    record: dict[str, object] = {
        "project": str(real(project)),
        "lock": lock,
        "pyproject": pyproject,
        "python": python,
        "synced": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "hfscaffold": __version__,
    }
    write_atomic(venv / STAMP, json.dumps(record, indent=2) + "\n")
    return record


def stamped_elsewhere(venv: Path, project: Path) -> str | None:
    """The other place an environment's stamp names, when it is not ``project``."""
    stamp = read_stamp(venv)
    if stamp is None or "project" not in stamp:
        return None
    recorded = str(stamp["project"])
    try:
        same = real(Path(recorded)) == real(project)
    except (OSError, ValueError):
        same = False
    return None if same else recorded


def run_python(
    interpreter: Path, code: str, *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in ``interpreter``, isolated (``-I``: no current folder, user site or PYTHON*
    variables on its path, so a project's own files cannot shadow what the code imports)."""
    try:
        return run_process([str(interpreter), "-I", "-c", code, *args], cwd=cwd, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExternalError(
            f"could not run {interpreter}: {exc}", hint="run `hfscaffold doctor`, or pass a working interpreter"
        ) from None


def python_version(interpreter: Path) -> str:
    """The full version of Python that ``interpreter`` runs, or "unknown"."""
    try:
        completed = run_python(interpreter, "import platform; print(platform.python_version())", timeout=60)
    except ExternalError:
        return "unknown"
    return completed.stdout.strip() or "unknown"


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
    completed = run_python(python, _INSPECT, *(["torch"] if torch else []))
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ExternalError(
            f"{python} failed to list its packages: {last}", hint="pass a working interpreter with --python"
        )
    try:
        data = json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise ExternalError(
            f"{python} did not list its packages", hint="pass a working interpreter with --python"
        ) from None
    machine = data["markers"].get("platform_machine") if isinstance(data.get("markers"), dict) else None
    pins = from_installed(
        data["packages"], source=data["prefix"], python=data["python"], platform=data["platform"], machine=machine
    )
    site = tuple(Path(folder) for folder in data.get("site", []) if isinstance(folder, str))
    return EnvironmentReport(pins=pins, python=data["python"], markers=data["markers"], torch=data["torch"], site=site)
