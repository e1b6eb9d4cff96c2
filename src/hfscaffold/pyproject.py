"""Edits of pyproject.toml that keep the user's formatting and comments (tomlkit)."""

from __future__ import annotations

from collections.abc import Mapping

import tomlkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from tomlkit.items import Array


def _pinned(requirements: Array, pins: Mapping[str, str]) -> Array:
    pinned = tomlkit.array()
    pinned.multiline(True)
    for item in requirements:
        requirement = Requirement(str(item))
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            pinned.append(str(item))
            continue
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        marker = f"; {requirement.marker}" if requirement.marker else ""
        pinned.append(f"{requirement.name}{extras}=={version}{marker}")
    return pinned


def pin_requirements(text: str, pins: Mapping[str, str], *, groups: bool = True) -> str:
    """Rewrite ``project.dependencies`` (and dependency groups) as exact ``==`` pins from ``pins``."""
    document = tomlkit.parse(text)
    project = document["project"]
    project["dependencies"] = _pinned(project["dependencies"], pins)  # type: ignore[index]
    if groups and "dependency-groups" in document:
        for name, requirements in document["dependency-groups"].items():  # type: ignore[union-attr]
            document["dependency-groups"][name] = _pinned(requirements, pins)  # type: ignore[index]
    return tomlkit.dumps(document)
