"""``hfscaffold adopt [DIR]``: make an existing project an hfscaffold project, in place.

What the project declares (adoption.read_declared) becomes ``[project] dependencies`` of its
pyproject.toml, every one pinned ``==`` the version uv resolves within the user's own range (or
the version an environment of theirs has, with ``from_env``), locked with the matrix (steered or
refused as by ``new``). The work happens on a scratch copy; only pyproject.toml and uv.lock are
then written, together, and no other file of the user's is touched (a requirements.txt stays as
it is). A dry run writes nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from hfscaffold import __version__
from hfscaffold.adapters.fs import copy_project_files, scratch_directory, write_atomic
from hfscaffold.adapters.transaction import Transaction
from hfscaffold.adapters.uv import Uv
from hfscaffold.adoption import Declared, is_hfscaffold_project, parse_pyproject, read_declared, read_project_file
from hfscaffold.errors import UserError
from hfscaffold.naming import package_name
from hfscaffold.resolution import Resolution, exact_line, group_pins, pin_resolved, resolve


@dataclass(frozen=True)
class AdoptRequest:
    project: Path
    requirements: tuple[str, ...] = ()  # a requirements file to read instead of the first found
    from_env: Path | None = None  # an environment (or its interpreter) whose versions are kept
    offline: bool = False
    dry_run: bool = False
    sync: bool = True
    allow: tuple[str, ...] = ()
    rule_files: tuple[Path, ...] = ()  # more of the user's matrix rules, beside the built-in ones
    export: bool = False  # rewrite the requirements file from the lock (uv's exporter), on request
    scaffold: bool = False  # add the bundled template's files the project lacks, and its answers


@dataclass(frozen=True)
class AdoptResult:
    project: Path
    declared: Declared
    written: dict[str, str]  # name -> the exact requirement now in pyproject.toml
    resolution: Resolution
    changed: list[str] = field(default_factory=list)
    synced: bool = False
    added: list[str] = field(default_factory=list)  # the template's files, new to the project


def adopt_project(request: AdoptRequest, *, report: Callable[[str], None] = lambda _: None) -> AdoptResult:
    root = request.project.absolute()
    if not root.is_dir():
        raise UserError(f"{root} is not a folder", hint="give the folder of the project to adopt")
    existing = _existing_pyproject(root)
    if request.sync and not request.dry_run:
        _refuse_an_environment_not_built_here(root)
    declared = read_declared(root, requirements=request.requirements)
    lines = list(declared.requirements)
    if request.from_env is not None:
        lines = _as_installed(lines, request.from_env)
    report(f"Read {len(lines)} requirements from {declared.source}")
    uv = Uv(offline=request.offline)
    allow = frozenset(request.allow)
    with scratch_directory(root) as scratch:
        copy_project_files(root, scratch)
        text = adopted_pyproject(existing, declared, lines, default_name=root.name, allow=sorted(allow))
        if request.scaffold:
            text = with_pytest(text)  # the template's tests run under it
        write_atomic(scratch / "pyproject.toml", text)
        from hfscaffold.adapters.knowledge_files import load_rules

        rules = load_rules(request.rule_files)
        from hfscaffold.project import load_project

        # The user's own ranges and pins: what the matrix's repair may narrow but never override.
        constraints = load_project(scratch).constraints()
        resolution = resolve(scratch, uv=uv, rules=rules, constraints=constraints, allow=allow, python=sys.executable)
        from hfscaffold.pyproject import pin_requirements, set_tool_setting

        written = pin_resolved(
            scratch, {canonicalize_name(Requirement(line).name): line for line in lines}, resolution, uv, sys.executable
        )
        text = (scratch / "pyproject.toml").read_text(encoding="utf-8")
        grouped = pin_requirements(text, group_pins(text, resolution.pins))  # every line exact
        if grouped != text:
            write_atomic(scratch / "pyproject.toml", grouped)
            uv.relock(scratch, python=sys.executable)
            text = grouped
        text = set_tool_setting(text, "matrix", rules.version)
        text = set_tool_setting(text, "matrix-rules", sorted(resolution.applied))
        write_atomic(scratch / "pyproject.toml", text)
        outputs = {name: (scratch / name).read_bytes() for name in ("pyproject.toml", "uv.lock")}
        template_files = _template_files(root, scratch, written) if request.scaffold else {}
        if request.export:
            outputs[_exported_name(declared)] = uv.export_requirements(scratch).encode("utf-8")
        changed: list[str] = []
        if not request.dry_run:
            transaction = Transaction(root)
            for name, content in outputs.items():
                if not (root / name).is_file() or (root / name).read_bytes() != content:
                    transaction.stage(name, content)
                    changed.append(name)
            transaction.commit()
            for relative, content in template_files.items():
                _add_file(root, relative, content)
    report(f"Locked {resolution.uv.resolved_count or 'all'} packages")
    synced = False
    if request.sync and not request.dry_run:
        from hfscaffold.adapters.venv import sync_environment

        sync_environment(load_project(root), uv=uv)
        synced = True
    return AdoptResult(root, declared, written, resolution, changed, synced, sorted(template_files))


def _refuse_an_environment_not_built_here(root: Path) -> None:
    """Before anything is written: a ``.venv`` the folder already has (the user's own, made with
    ``python -m venv``, or a cloned one) is never synced into; the project gets its own."""
    from hfscaffold.adapters.environment import read_stamp
    from hfscaffold.errors import FindingsError

    venv = root / ".venv"
    if os.path.lexists(venv) and (venv.is_symlink() or read_stamp(venv) is None):
        raise FindingsError(
            f"{venv} is an environment hfscaffold did not build: refusing to install into it; nothing was written",
            hint="remove it (`rm -rf .venv`) and rerun, or pass --no-sync and build it later with `hfscaffold sync`",
        )


def _exported_name(declared: Declared) -> str:
    """The requirements file the project was read from (a file of its own folder), else
    requirements.txt."""
    source = declared.source
    return source if source.endswith((".txt", ".in")) and "/" not in source else "requirements.txt"


def _existing_pyproject(root: Path) -> str | None:
    path = root / "pyproject.toml"
    if path.is_symlink():
        raise UserError(f"{path} is a link", hint="adopt writes pyproject.toml in place: make it a plain file")
    if not path.is_file():
        return None
    text = read_project_file(path)
    if is_hfscaffold_project(parse_pyproject(text, source="pyproject.toml")):
        raise UserError(
            f"{root} is already an hfscaffold project",
            hint="`hfscaffold lock` locks it again, `hfscaffold upgrade PKG` moves a pin",
        )
    return text


def _as_installed(lines: list[str], environment: Path) -> list[str]:
    """Each requirement at the version ``environment`` has installed (extras and markers kept), so
    adopting changes nothing that works today; one it lacks keeps the user's range."""
    from hfscaffold.adapters.environment import inspect_environment, interpreter_of

    python = interpreter_of(environment) if environment.is_dir() else environment
    installed = inspect_environment(python)
    out = []
    for line in lines:
        requirement = Requirement(line)
        versions = installed.versions(canonicalize_name(requirement.name))
        out.append(exact_line(requirement, str(versions[0])) if len(versions) == 1 else line)
    return out


def adopted_pyproject(
    existing: str | None, declared: Declared, lines: list[str], *, default_name: str, allow: list[str]
) -> str:
    """The user's pyproject.toml (formatting and other tables kept) with ``[project]`` holding the
    requirements, ``[tool.uv] package = false`` where the user set nothing (the project itself is
    not built: no build backend named in a cloned folder runs) and ``[tool.hfscaffold]``."""
    from hfscaffold.catalog import load_catalog

    document = tomlkit.parse(existing) if existing else tomlkit.document()
    project = document.get("project")
    if project is None:
        project = tomlkit.table()
        document["project"] = project
    project.setdefault("name", declared.name or _project_name(default_name))
    project.setdefault("version", "0.1.0")
    if "requires-python" not in project:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        project["requires-python"] = declared.requires_python or f"=={running}.*"
    dependencies = tomlkit.array()
    dependencies.multiline(True)
    dependencies.extend(lines)
    project["dependencies"] = dependencies
    if declared.groups:
        groups = document.setdefault("dependency-groups", tomlkit.table())
        for group, group_lines in declared.groups.items():
            if group not in groups:  # a PEP 735 group of the user's own stays as they wrote it
                array = tomlkit.array()
                array.multiline(True)
                array.extend(group_lines)
                groups[group] = array
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    uv = tool.setdefault("uv", tomlkit.table())
    if "package" not in uv:
        uv["package"] = False
    catalog = {component.name for component in load_catalog().components}
    settings = tomlkit.table()
    settings["components"] = sorted(
        {n for n in (canonicalize_name(Requirement(x).name) for x in lines) if n in catalog}
    )
    settings["version"] = __version__
    if allow:
        settings["allow"] = allow
    tool["hfscaffold"] = settings
    return tomlkit.dumps(document)


def _project_name(folder: str) -> str:
    name = canonicalize_name(folder)
    return name if package_name(name).isidentifier() else "adopted-project"


def with_pytest(text: str) -> str:
    """A ``dev`` dependency group with pytest, unless a group already has it."""
    from hfscaffold.pyproject import add_requirement, group_requirement_names

    return text if "pytest" in group_requirement_names(text) else add_requirement(text, "pytest", group="dev")


# What the bundled template adds to an adopted project: its checks and CI, and its answers (so
# that `update` can bring later versions); never its pyproject.toml, lock or package.
_TEMPLATE_FILES = (
    ".copier-answers.yml", ".gitignore", ".python-version", "README.md", "tests/test_environment.py",
    ".github/workflows/ci.yml", ".github/workflows/upgrade.yml",
)  # fmt: skip


def _template_files(root: Path, scratch: Path, written: dict[str, str]) -> dict[str, bytes]:
    """The bundled template rendered for this project: those of its files the project lacks."""
    from hfscaffold.adapters import render

    data = tomlkit.parse((scratch / "pyproject.toml").read_text(encoding="utf-8")).unwrap()
    name = str(data["project"]["name"])
    components = data["tool"]["hfscaffold"]["components"]  # as adopted_pyproject recorded them
    answers = {
        "project_name": name, "package_name": package_name(name),
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "components": list(written.values()),
        "imports": {n: n.replace("-", "_") for n in components},
        "hfscaffold_version": __version__,
    }  # fmt: skip
    with scratch_directory(root) as rendered:
        render.render(render.template_path("project"), rendered / "project", answers)
        found = {}
        for relative in _TEMPLATE_FILES:
            path = rendered / "project" / relative
            if path.is_file() and not os.path.lexists(root / relative):
                found[relative] = path.read_bytes()
        return found


def _add_file(root: Path, relative: str, content: bytes) -> None:
    """A new file of the project, in folders that are the project's own (none a link)."""
    from hfscaffold.adapters.fs import write_new

    folder = root
    for part in Path(relative).parts[:-1]:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise UserError(f"{folder} is a link or a file: the template's {relative} is not written", hint="remove it")
        folder.mkdir(exist_ok=True)
    write_new(root / relative, content)
