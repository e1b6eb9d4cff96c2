"""What a universal lock installs on one target: its markers and forks applied, as uv and pip do.

uv.lock is a graph: from the project's own package, each dependency edge may carry a marker, and
where a package has several versions (a fork per platform or Python) the edge names the one it
means. pylock.toml (PEP 751) is flat: each package carries the marker that selects it. Both come
down to "package -> version" for one target, which is what the matrix evaluates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.version import InvalidVersion, Version

from hfscaffold.naming import canonical_name
from hfscaffold.targets import Target

Entry = Mapping[str, Any]


def _is_project(entry: Entry) -> bool:
    source = entry.get("source")
    return isinstance(source, Mapping) and any(source.get(kind) == "." for kind in ("virtual", "editable"))


def _workspace_members(entry: Entry) -> bool:
    source = entry.get("source")
    return isinstance(source, Mapping) and ("virtual" in source or "editable" in source)


def uv_lock_roots(packages: Sequence[Entry]) -> list[Entry]:
    """The project's own package (source ``.``), else every workspace member; none for a lock of
    something else (then no target's set can be told apart)."""
    entries = [e for e in packages if isinstance(e, Mapping)]
    return [e for e in entries if _is_project(e)] or [e for e in entries if _workspace_members(e)]


def uv_lock_installs(
    packages: Sequence[Entry], target: Target, *, extras: Iterable[str] = (), groups: Iterable[str] = ()
) -> dict[str, tuple[Version, ...]]:
    """name -> versions of what ``target`` installs from a uv.lock's ``[[package]]`` list: the
    roots' dependencies (and the ``extras`` and dependency ``groups`` asked for), followed
    through every edge whose marker holds on ``target`` (or cannot be decided: then a name may
    have two versions, and both are evaluated)."""
    by_name: dict[str, list[Entry]] = {}
    for entry in packages:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            by_name.setdefault(canonical_name(entry["name"]), []).append(entry)
    extras, groups = tuple(extras), tuple(groups)
    installed: dict[str, set[Version]] = {}
    stack: list[tuple[Entry, tuple[str, ...], bool]] = [(root, extras, True) for root in uv_lock_roots(packages)]
    visited: set[tuple[int, tuple[str, ...]]] = set()
    while stack:
        entry, wanted, is_root = stack.pop()
        edges = list(_edges(entry.get("dependencies")))
        optional = entry.get("optional-dependencies")
        for extra in wanted:
            edges += _edges(optional.get(extra) if isinstance(optional, Mapping) else None)
        if is_root:
            dev = entry.get("dev-dependencies")
            for group in groups:
                edges += _edges(dev.get(group) if isinstance(dev, Mapping) else None)
        for edge in edges:
            if not target.satisfies(_text(edge.get("marker")), extras=extras):
                continue
            chosen = _choose(by_name.get(canonical_name(str(edge.get("name", ""))), []), edge, target)
            if chosen is None:
                continue
            version = _parse(chosen.get("version"))
            if version is not None:
                installed.setdefault(canonical_name(chosen["name"]), set()).add(version)
            edge_extras = tuple(str(x) for x in edge.get("extra", ()) if isinstance(x, str))
            key = (id(chosen), edge_extras)
            if key not in visited:
                visited.add(key)
                stack.append((chosen, edge_extras, False))
    return {name: tuple(sorted(found)) for name, found in sorted(installed.items())}


def _edges(value: object) -> list[Entry]:
    return [edge for edge in value if isinstance(edge, Mapping)] if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _choose(candidates: list[Entry], edge: Entry, target: Target) -> Entry | None:
    """The package an edge means: the one version it names, else the fork whose resolution
    markers hold on ``target``, else the only one."""
    if "version" in edge:
        candidates = [c for c in candidates if str(c.get("version")) == str(edge["version"])] or candidates
    if len(candidates) > 1:
        forked = [c for c in candidates if _in_fork(c, target)]
        candidates = forked or candidates
    return candidates[0] if candidates else None


def _in_fork(entry: Entry, target: Target) -> bool:
    markers = entry.get("resolution-markers")
    if not isinstance(markers, list) or not markers:
        return True
    return any(target.satisfies(m) for m in markers if isinstance(m, str))


def pylock_installs(
    packages: Sequence[Entry], target: Target, *, extras: Iterable[str] = (), groups: Iterable[str] = ()
) -> dict[str, tuple[Version, ...]]:
    """name -> versions of what ``target`` installs from a pylock.toml: each package whose marker
    holds there, with the lock's ``extras`` and ``dependency_groups`` marker variables."""
    environment: dict[str, Any] | None = None
    if target.known:
        environment = {**target.environment(), "extras": frozenset(extras), "dependency_groups": frozenset(groups)}
    installed: dict[str, set[Version]] = {}
    for entry in packages:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        marker = _text(entry.get("marker"))
        if marker and environment is not None and not _holds(marker, environment):
            continue
        version = _parse(entry.get("version"))
        if version is not None:
            installed.setdefault(canonical_name(entry["name"]), set()).add(version)
    return {name: tuple(sorted(found)) for name, found in sorted(installed.items())}


def _holds(marker: str, environment: Mapping[str, Any]) -> bool:
    try:
        return Marker(marker).evaluate(environment, context="lock_file")
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return True  # undecidable: counted as installed


def _parse(value: object) -> Version | None:
    try:
        return Version(str(value)) if value is not None else None
    except InvalidVersion:
        return None
