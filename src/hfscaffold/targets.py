"""Target environments: the Python, platform and machine a set of pins is installed on.

A universal lock (uv.lock, pylock.toml) serves many targets, and what it installs differs between
them (markers, forks); a requirements file is installed on one; an environment is one. Rules are
evaluated per target, so a Windows-only breakage is not reported for Linux and two packages that
no target installs together are never a pair.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from hfscaffold.errors import UserError, quoted

if TYPE_CHECKING:
    from packaging.markers import Marker

# The platforms a universal lock is evaluated for: (sys_platform, platform_machine), the wheels
# PyPI's HF stack publishes. The first machine of each platform is uv's default for its name.
PLATFORMS: tuple[tuple[str, str], ...] = (
    ("linux", "x86_64"),
    ("linux", "aarch64"),
    ("darwin", "arm64"),
    ("darwin", "x86_64"),
    ("win32", "AMD64"),
)
PYTHON_MINORS = tuple(range(9, 15))  # 3.9 .. 3.14
# uv pip compile's --python-platform names (and sys.platform's) -> sys_platform
PLATFORM_NAMES = {"linux": "linux", "darwin": "darwin", "macos": "darwin", "windows": "win32", "win32": "win32"}
_SYSTEM = {"linux": ("Linux", "posix"), "darwin": ("Darwin", "posix"), "win32": ("Windows", "nt")}


@dataclass(frozen=True, order=True)
class Target:
    """One environment pins are installed on; a field that is None is not known."""

    platform: str | None = None  # sys_platform: linux, darwin, win32
    machine: str | None = None  # platform_machine: x86_64, aarch64, arm64, AMD64
    python: Version | None = None  # the full version, e.g. 3.11.0

    @property
    def known(self) -> bool:
        return None not in (self.platform, self.machine, self.python)

    @property
    def label(self) -> str:
        where = " ".join(part for part in (self.platform, self.machine) if part) or "any platform"
        python = f"Python {self.python.major}.{self.python.minor}" if self.python else "any Python"
        return f"{where}, {python}"

    def environment(self) -> dict[str, str]:
        """The marker environment (PEP 508) of this target; only for a known target."""
        assert self.platform is not None and self.machine is not None and self.python is not None
        system, os_name = _SYSTEM.get(self.platform, (self.platform.capitalize(), "posix"))
        full = str(self.python)
        return {
            "implementation_name": "cpython",
            "implementation_version": full,
            "os_name": os_name,
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": system,
            "platform_version": "",
            "python_full_version": full,
            "python_version": f"{self.python.major}.{self.python.minor}",
            "sys_platform": self.platform,
        }

    def satisfies(self, marker: str | None, *, extras: Iterable[str] = ()) -> bool:
        """Whether ``marker`` holds here (no marker holds everywhere). A marker that cannot be
        read or decided (uv's conflict markers, an unknown target) counts as holding: what may
        be installed is evaluated, never dropped."""
        if not marker:
            return True
        if not self.known:
            return True
        parsed = _marker(marker)
        if parsed is None:
            return True
        environment = self.environment()
        from packaging.markers import UndefinedComparison, UndefinedEnvironmentName  # loaded by _marker

        try:
            if "extra" in marker:
                return any(parsed.evaluate({**environment, "extra": extra}) for extra in ("", *extras))
            return parsed.evaluate(environment)
        except (UndefinedComparison, UndefinedEnvironmentName):
            return True


@cache
def _marker(text: str) -> Marker | None:
    # Imported on first use: packaging.markers brings in packaging.tags, and most pins have no marker.
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(text)
    except InvalidMarker:
        return None


_UV_PLATFORMS = {
    ("linux", "x86_64"): "x86_64-unknown-linux-gnu",
    ("linux", "aarch64"): "aarch64-unknown-linux-gnu",
    ("darwin", "arm64"): "aarch64-apple-darwin",
    ("darwin", "x86_64"): "x86_64-apple-darwin",
    ("win32", "AMD64"): "x86_64-pc-windows-msvc",
}


def uv_platform(target: Target) -> str:
    """uv's ``--python-platform`` triple of a target (a machine it has none for: the platform's
    first)."""
    triple = _UV_PLATFORMS.get((target.platform or "", target.machine or ""))
    if triple is None:
        first = next((m for p, m in PLATFORMS if p == target.platform), "x86_64")
        triple = _UV_PLATFORMS.get((target.platform or "linux", first), "x86_64-unknown-linux-gnu")
    return triple


_RELEASE_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc"}


def host() -> Target:
    """The machine hfscaffold runs on."""
    if not hasattr(os, "uname"):  # Windows: platform's answer (its import costs a check's start-up)
        import platform

        return Target(platform=sys.platform, machine=platform.machine(), python=Version(platform.python_version()))
    major, minor, micro, level, serial = sys.version_info
    pre = f"{_RELEASE_LEVELS[level]}{serial}" if level in _RELEASE_LEVELS else ""
    return Target(platform=sys.platform, machine=os.uname().machine, python=Version(f"{major}.{minor}.{micro}{pre}"))


def requested(python_version: str | None, python_platform: str | None) -> Target:
    """The target of ``--python-version X.Y`` and ``--python-platform NAME`` (uv pip compile's
    names); what is not given is the host's."""
    target = host()
    if python_platform is not None:
        name = PLATFORM_NAMES.get(python_platform.lower())
        if name is None:
            raise UserError(
                f"--python-platform {quoted(python_platform)} is not a platform",
                hint="use linux, macos (or darwin) or windows",
            )
        machine = next(m for p, m in PLATFORMS if p == name)
        target = Target(platform=name, machine=machine, python=target.python)
    if python_version is not None:
        try:
            version = Version(python_version)
        except ValueError:
            version = None
        if version is None or len(version.release) != 2 or version.major != 3:
            raise UserError(f"--python-version {quoted(python_version)} is not X.Y", hint="e.g. --python-version 3.11")
        target = Target(platform=target.platform, machine=target.machine, python=Version(f"{python_version}.0"))
    return target


def universe(requires_python: str | None, supported: Sequence[str] = ()) -> tuple[Target, ...]:
    """The targets a universal lock serves: every platform of PLATFORMS and Python minor that its
    ``requires-python`` allows, kept to its supported environments when it names them."""
    allowed = _specifier(requires_python)
    targets = []
    for minor in PYTHON_MINORS:
        python = next(
            (v for v in (Version(f"3.{minor}.0"), Version(f"3.{minor}.99")) if allowed.contains(v, prereleases=True)),
            None,
        )
        if python is None:
            continue
        for platform, machine in PLATFORMS:
            target = Target(platform=platform, machine=machine, python=python)
            if not supported or any(target.satisfies(marker) for marker in supported):
                targets.append(target)
    return tuple(targets)


def _specifier(text: str | None) -> SpecifierSet:
    try:
        return SpecifierSet(text or "")
    except ValueError:
        return SpecifierSet()


def describe(hit: Iterable[Target], among: Sequence[Target]) -> str:
    """Which of ``among`` the targets ``hit`` are, in a few words ("" for all of them):
    ``win32 AMD64 (Python 3.10-3.12)``, ``darwin x86_64; linux (Python 3.9)``."""
    chosen = set(hit)
    if not chosen or chosen >= set(among):
        return ""
    pythons = sorted({t.python for t in among if t.python})
    places = list(dict.fromkeys((t.platform, t.machine) for t in among))
    per_place = [{t.python for t in chosen if (t.platform, t.machine) == place} for place in places]
    if all(found == per_place[0] for found in per_place):  # the same Pythons everywhere
        return f"Python {_python_range(sorted(v for v in per_place[0] if v))}"
    parts = []
    for platform in dict.fromkeys(t.platform for t in among):
        machines = list(dict.fromkeys(t.machine for t in among if t.platform == platform))
        on = [m for m in machines if any(t.platform == platform and t.machine == m for t in chosen)]
        if not on:
            continue
        per_machine = [{t.python for t in chosen if t.platform == platform and t.machine == m} for m in on]
        same = len(on) == len(machines) and all(found == per_machine[0] for found in per_machine)
        for group in [None] if same else on:
            selected = {t.python for t in chosen if t.platform == platform and (group is None or t.machine == group)}
            name = " ".join(str(p) for p in (platform, group) if p)
            if selected >= set(pythons):
                parts.append(name)
            else:
                parts.append(f"{name} (Python {_python_range(sorted(v for v in selected if v))})")
    return "; ".join(parts)


def _python_range(versions: Sequence[Version]) -> str:
    """``3.10-3.12``, or ``3.9, 3.12`` where the minors are not consecutive."""
    minors = [v.minor for v in versions]
    if minors == list(range(minors[0], minors[-1] + 1)) and len(minors) > 1:
        return f"3.{minors[0]}-3.{minors[-1]}"
    return ", ".join(f"3.{m}" for m in minors)
