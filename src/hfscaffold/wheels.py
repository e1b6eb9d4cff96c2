"""Which targets a release's wheels serve, and the mined versions that leave a target to an sdist.

A release whose wheels are all built for particular Pythons and platforms has compiled parts: on
a target none of its wheels serves, pip and uv build it from the sdist, which needs a compiler
(Rust for tokenizers and safetensors) and often fails. Read from the file names on the index
alone (their tags, PEP 425), never by building anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags, mac_platforms
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

# Each platform's first machine in targets.PLATFORMS: a rule names a platform, not a machine.
_MACHINES = {"linux": "x86_64", "darwin": "arm64", "win32": "AMD64"}


@cache
def _platform_tags(platform: str) -> tuple[str, ...]:
    if platform == "linux":
        return (
            *(f"manylinux_2_{minor}_x86_64" for minor in range(40, 4, -1)),
            "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64",
        )  # fmt: skip
    if platform == "darwin":
        return tuple(mac_platforms((15, 0), "arm64"))
    return ("win_amd64",)


@cache
def supported_tags(platform: str, minor: int) -> frozenset[Tag]:
    """The wheel tags CPython 3.``minor`` accepts on ``platform``'s usual machine."""
    platforms = _platform_tags(platform)
    return frozenset(
        (*cpython_tags((3, minor), platforms=platforms), *compatible_tags((3, minor), platforms=platforms))
    )


def wheel_tags(filenames: Iterable[str]) -> list[frozenset[Tag]]:
    found = []
    for filename in filenames:
        try:
            found.append(parse_wheel_filename(filename)[3])
        except (InvalidWheelFilename, ValueError):
            continue
    return found


def serves(filenames: Iterable[str], platform: str, minor: int) -> bool:
    """Whether one of the wheels installs on CPython 3.``minor`` on ``platform``."""
    wanted = supported_tags(platform, minor)
    return any(tags & wanted for tags in wheel_tags(filenames))


def is_compiled(filenames: Iterable[str]) -> bool:
    """Every wheel is for a particular platform: the package has compiled parts."""
    tags = wheel_tags(filenames)
    return bool(tags) and not any(tag.platform == "any" for group in tags for tag in group)


@dataclass(frozen=True)
class Listed:
    """One release as the index lists it."""

    version: Version
    wheels: tuple[str, ...]
    sdist: str | None
    requires_python: str | None


@dataclass(frozen=True)
class MissingWheels:
    """Consecutive mined releases of a compiled package with no wheel for one target."""

    package: str
    platform: str
    minor: int
    versions: tuple[Version, ...]
    fixed: Version  # the first mined release after them that has a wheel for the target
    sdist: str  # of the newest affected release
    wheels: tuple[str, ...]  # what the newest affected release has instead (some of its tags)

    @property
    def id(self) -> str:
        first = re.sub(r"[^a-z0-9]+", "-", str(self.versions[0]).lower())
        return f"mined-{self.package}-{first}-no-wheel-cp3{self.minor}-{self.platform}"

    def as_rule(self) -> dict[str, object]:
        first, last = self.versions[0], self.versions[-1]
        python = f"==3.{self.minor}.*"
        where = {"linux": "Linux x86_64", "darwin": "macOS arm64", "win32": "Windows AMD64"}[self.platform]
        tags = ", ".join(sorted({_python_tag(w) for w in self.wheels})) or "none"
        return {
            "id": self.id,
            "summary": (
                f"{self.package} {first}-{last} has no wheel for CPython 3.{self.minor} on {where}: "
                f"pip and uv build it from the sdist, which needs a compiler"
            ),
            "severity": "warning",
            "symptom": f"Failed to build {self.package}=={last}",
            "probe": f"import {self.package.replace('-', '_')}",
            "python": python,
            "platform": self.platform,
            "references": [f"https://pypi.org/project/{self.package}/{last}/#files"],
            "when": {self.package: f">={first},<{self.fixed}"},
            "fix": {
                "prefer": {self.package: f">={self.fixed}"},
                "note": "The build succeeds only where the compiler and headers it needs are installed.",
                "evidence": (
                    f"{self.package} {last} on the index: {len(self.wheels)} wheels (Python tags {tags}), none for "
                    f"cp3{self.minor} {where}; sdist {self.sdist}. {self.package} {self.fixed} has one."
                ),
            },
            "mined": {
                "kind": "wheels", "file": self.sdist, "module": self.package, "last_present": str(self.fixed),
                "first_missing": str(first),
            },
        }  # fmt: skip


def _python_tag(filename: str) -> str:
    match = re.match(r"^[^-]+-[^-]+-(?:\d[^-]*-)?([^-]+)-", filename)
    return match.group(1) if match else "?"


def missing_wheels(
    package: str, listed: Sequence[Listed], *, minors: Iterable[int], platforms: Iterable[str] = tuple(_MACHINES)
) -> list[MissingWheels]:
    """For each target, the runs of mined releases that a target's Python may install (their
    Requires-Python) but no wheel serves, each ending at a later release that has one; a run
    with no such release after it has no fix and is left out."""
    releases = sorted(listed, key=lambda r: r.version)
    found: list[MissingWheels] = []
    for platform in platforms:
        for minor in minors:
            run: list[Listed] = []
            for release in releases:
                lacking = (
                    release.sdist is not None
                    and _allows(release.requires_python, minor)
                    and is_compiled(release.wheels)
                    and not serves(release.wheels, platform, minor)
                )
                if lacking:
                    run.append(release)
                    continue
                if run and serves(release.wheels, platform, minor):
                    newest = run[-1]
                    assert newest.sdist is not None
                    versions = tuple(r.version for r in run)
                    name = canonicalize_name(package)
                    found.append(
                        MissingWheels(name, platform, minor, versions, release.version, newest.sdist, newest.wheels)
                    )
                run = []
    return found


def _allows(requires_python: str | None, minor: int) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(Version(f"3.{minor}.0"), prereleases=True)
    except InvalidSpecifier:
        return True
