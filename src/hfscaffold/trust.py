"""What a project made from an untrusted template may ask for without running the template's code.

Locking or syncing a project runs its build backend whenever uv has to build it (an in-tree
backend, dynamic metadata, a project that is a package) and builds whatever its path, git or URL
sources point at. A template from a stranger gets none of that unless the user passes --trust:
its project may depend on packages from an index, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

from packaging.requirements import InvalidRequirement, Requirement

_CODE_SOURCES = ("path", "git", "url", "editable", "workspace")
# The [tool.uv] settings an untrusted template may use: they choose versions, never where code
# comes from. Anything else (find-links, indexes, cache or build settings...) can bring in code
# the template chose, so it needs --trust.
_SAFE_UV_KEYS = {
    "package", "sources", "constraint-dependencies", "override-dependencies", "dev-dependencies",
    "default-groups", "conflicts", "environments", "required-environments", "required-version",
}  # fmt: skip


def _table(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _requirement_lines(data: Mapping[str, object]) -> list[str]:
    project = _table(data.get("project"))
    dependencies = project.get("dependencies")
    lines: list[object] = list(dependencies) if isinstance(dependencies, list) else []
    for group in (_table(project.get("optional-dependencies")), _table(data.get("dependency-groups"))):
        for items in group.values():
            if isinstance(items, list):
                lines += items
    uv = _table(_table(data.get("tool")).get("uv"))
    for key in ("constraint-dependencies", "override-dependencies", "dev-dependencies"):
        items = uv.get(key)
        if isinstance(items, list):
            lines += items
    return [line for line in lines if isinstance(line, str)]


def code_it_would_run(data: Mapping[str, object]) -> list[str]:
    """The reasons why locking or syncing this pyproject.toml would run code it ships or names."""
    reasons: list[str] = []
    build = data.get("build-system")
    uv = _table(_table(data.get("tool")).get("uv"))
    package = uv.get("package")
    if isinstance(build, Mapping) and "backend-path" in build:
        reasons.append("an in-tree build backend (build-system.backend-path)")
    if package is True or (build is not None and package is not False):
        reasons.append("a build of the project itself ([build-system] without [tool.uv] package = false)")
    dynamic = _table(data.get("project")).get("dynamic")
    if dynamic:
        shown = ", ".join(str(d) for d in dynamic) if isinstance(dynamic, list) else str(dynamic)
        reasons.append(f"dynamic metadata ({shown[:80]}), which only a build can compute")
    if "workspace" in uv:
        reasons.append("a uv workspace of the template's own folders")
    reasons += [
        f"[tool.uv] {str(key)[:60]}, which can bring in code the template chose"
        for key in uv
        if key not in _SAFE_UV_KEYS and key != "workspace"
    ]
    for name, source in _table(uv.get("sources")).items():
        entries = source if isinstance(source, list) else [source]
        for entry in entries:
            kinds = [k for k in _CODE_SOURCES if k in _table(entry)]
            if kinds:
                reasons.append(f"{str(name)[:80]} from a {kinds[0]} source")
    for line in _requirement_lines(data):
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # reported as bad input when the project is read
        if requirement.url:
            reasons.append(f"{requirement.name} from a direct URL")
    return reasons
