"""An upgrade reviewed against the project's own code: every import in its Python files of a
name that the current version of a package has and the proposed version no longer has.

The project's files are read, never run; each changed package the code imports is fetched at both
versions (wheels only, into a scratch folder) and read the way the deep check reads an
environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from packaging.utils import canonicalize_name

from hfscaffold.adapters.site import read_site, resolved
from hfscaffold.adapters.uv import Uv
from hfscaffold.api import ModuleFacts, read_module
from hfscaffold.deep import Installed, Module, find_gaps
from hfscaffold.errors import ExternalError
from hfscaffold.review import Change, CodeBreak

_SKIP = {".venv", "venv", ".git", "node_modules", "build", "dist", "__pycache__"}
_MAX_FILES = 5000


def project_sources(root: Path) -> Iterator[tuple[str, Path]]:
    """(dotted module name, path) of the project's own Python files: src/ packages by their
    import names, everything else (tests, scripts) by its path; links and hidden folders skipped."""
    count = 0
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in _SKIP or part.startswith(".") for part in relative.parts[:-1]) or path.is_symlink():
            continue
        count += 1
        if count > _MAX_FILES:
            return
        parts = list(relative.with_suffix("").parts)
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        if parts[-1] == "__init__":
            parts.pop()
        if parts and all(part.isidentifier() for part in parts):
            yield ".".join(parts), path


def read_project(root: Path) -> Installed:
    """The project's code as a consumer the deep check understands."""
    sources = list(project_sources(root))
    tops = frozenset(name.split(".")[0] for name, _ in sources)
    modules: dict[str, Module] = {}
    facts: dict[str, ModuleFacts] = {}
    for name, path in sources:
        relative = str(path.relative_to(root))
        modules[name] = Module(name=name, path=relative, kind="source")
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        facts[name] = read_module(text, module=name, is_package=path.name == "__init__.py", own=tops)
    return Installed(name="the project", version="", modules=modules, facts=resolved(modules, facts))


def code_breaks(root: Path, changes: Sequence[Change], *, uv: Uv, scratch: Path) -> list[CodeBreak]:
    """Imports in the project's code of names the proposed versions drop. Only packages whose
    import name is their distribution name (``huggingface_hub`` for huggingface-hub) are read."""
    project = read_project(root)
    imported = {need.module.split(".")[0] for facts in project.facts.values() for need in facts.needs}
    moved = [c for c in changes if c.old and c.new and canonicalize_name(c.name).replace("-", "_") in imported]
    breaks: list[CodeBreak] = []
    for change in moved:
        assert change.old is not None and change.new is not None
        before, after = scratch / f"old-{change.name}", scratch / f"new-{change.name}"
        try:
            for folder, version in ((before, change.old), (after, change.new)):
                folder.mkdir(parents=True, exist_ok=True)
                uv.unpack(f"{change.name}=={version}", folder)
        except ExternalError:
            continue  # a version without a wheel for this machine: its names stay unknown
        old_gaps = {
            (g.module.path, g.need.line, g.need.name, g.need.keyword)
            for g in find_gaps([project, *read_site([before], cache=False)], consumers=[project], undeclared=False)
        }
        for gap in find_gaps([project, *read_site([after], cache=False)], consumers=[project], undeclared=False):
            if gap.consumer is not project or gap.provider is None or gap.need.guarded:
                continue
            if (gap.module.path, gap.need.line, gap.need.name, gap.need.keyword) in old_gaps:
                continue  # broken before the upgrade too: not this proposal's doing
            need = gap.need
            found = CodeBreak(gap.module.path, need.line, need.module, need.name, change.name, change.old, change.new)
            breaks.append(replace(found, attribute=need.attribute, keyword=need.keyword))
    return sorted(breaks, key=lambda b: (b.file, b.line))
