"""Edits of pyproject.toml that keep the user's formatting and comments (tomlkit)."""

from __future__ import annotations

import re
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


def group_requirement_names(text: str) -> list[str]:
    """The canonical names every dependency group of a pyproject.toml asks for, in order."""
    groups = tomlkit.parse(text).get("dependency-groups", {})
    return [
        canonicalize_name(Requirement(str(item)).name)
        for lines in groups.values()
        for item in lines
        if isinstance(item, str)
    ]


def pin_requirements(text: str, pins: Mapping[str, str], *, groups: bool = True) -> str:
    """Rewrite ``project.dependencies`` (and dependency groups) as exact ``==`` pins from ``pins``."""
    document = tomlkit.parse(text)
    project = document["project"]
    project["dependencies"] = _pinned(project["dependencies"], pins)
    if groups and "dependency-groups" in document:
        for name, requirements in document["dependency-groups"].items():
            document["dependency-groups"][name] = _pinned(requirements, pins)
    return tomlkit.dumps(document)


def set_matrix_constraints(text: str, constraints: Mapping[str, Mapping[str, str]]) -> str:
    """Write the matrix's constraints into ``[tool.uv] constraint-dependencies``, each line
    commented with the rule that asked for it; constraints not written by the matrix are kept."""
    document = tomlkit.parse(text)
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    uv = tool.setdefault("uv", tomlkit.table())
    kept = [str(item) for item in uv.get("constraint-dependencies", []) if str(item) not in _matrix_lines(uv)]
    lines = tomlkit.array()
    for item in kept:
        lines.add_line(item)
    for rule_id, option in sorted(constraints.items()):
        for name, spec in sorted(option.items()):
            lines.add_line(f"{name}{spec}", comment=f"hfscaffold matrix: {rule_id}")
    if len(lines) == 0:
        uv.pop("constraint-dependencies", None)
    else:
        lines.add_line(indent="")
        uv["constraint-dependencies"] = lines
    return tomlkit.dumps(document)


def _matrix_lines(uv_table: object) -> set[str]:
    """Constraint lines hfscaffold wrote before (their comment names a matrix rule)."""
    array = uv_table.get("constraint-dependencies") if isinstance(uv_table, dict) else None
    if not isinstance(array, Array):
        return set()
    text = array.as_string()
    return {m.group(1) for m in re.finditer(r'"([^"]+)",?\s*#\s*hfscaffold matrix:', text)}


def set_tool_setting(text: str, key: str, value: object) -> str:
    """Set ``[tool.hfscaffold] key = value``, creating the table if needed."""
    document = tomlkit.parse(text)
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    table = tool.setdefault("hfscaffold", tomlkit.table())
    if value in (None, [], {}):
        table.pop(key, None)
    else:
        table[key] = value
    return tomlkit.dumps(document)


def read_matrix_constraints(text: str) -> dict[str, dict[str, str]]:
    """The constraints hfscaffold's matrix wrote before: rule id -> {package: specifier}."""
    from packaging.requirements import InvalidRequirement

    found: dict[str, dict[str, str]] = {}
    for match in re.finditer(r'"([^"]+)",?\s*#\s*hfscaffold matrix:\s*([a-z0-9-]+)', text):
        try:
            requirement = Requirement(match.group(1))
        except InvalidRequirement:
            continue
        found.setdefault(match.group(2), {})[canonicalize_name(requirement.name)] = str(requirement.specifier)
    return found


def _requirement_array(document: tomlkit.TOMLDocument, group: str | None, *, create: bool) -> Array | None:
    """``project.dependencies``, or the dependency group ``group``."""
    if group is None:
        project = document["project"]
        if "dependencies" not in project:
            if not create:
                return None
            project["dependencies"] = tomlkit.array()
        array = project["dependencies"]
    else:
        groups = document.get("dependency-groups")
        if groups is None or group not in groups:
            if not create:
                return None
            if groups is None:
                document["dependency-groups"] = groups = tomlkit.table()
            groups[group] = tomlkit.array()
        array = groups[group]
    return array if isinstance(array, Array) else None


def _same_name(item: object, name: str) -> bool:
    from packaging.requirements import InvalidRequirement

    try:
        return canonicalize_name(Requirement(str(item)).name) == name
    except InvalidRequirement:
        return False


def add_requirement(text: str, requirement: str, *, group: str | None = None) -> str:
    """Put ``requirement`` in ``project.dependencies`` (or dependency group ``group``), in place
    of an entry of the same name, else at the end."""
    document = tomlkit.parse(text)
    array = _requirement_array(document, group, create=True)
    assert array is not None  # created when missing
    name = canonicalize_name(Requirement(requirement).name)
    for index, item in enumerate(array):
        if _same_name(item, name):
            array[index] = requirement
            return tomlkit.dumps(document)
    array.multiline(True)
    array.append(requirement)
    return tomlkit.dumps(document)


def remove_requirement(text: str, name: str, *, group: str | None = None) -> str | None:
    """``text`` without the entries named ``name`` in ``project.dependencies`` (or group
    ``group``); None when there is none."""
    document = tomlkit.parse(text)
    array = _requirement_array(document, group, create=False)
    if array is None:
        return None
    name = canonicalize_name(name)
    kept = [item for item in array if not _same_name(item, name)]
    if len(kept) == len(array):
        return None
    while len(array):
        array.pop()
    for item in kept:
        array.append(item)
    return tomlkit.dumps(document)
