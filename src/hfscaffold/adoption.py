"""What an existing project declares it needs, read from its own files without running any.

A folder brought in by ``hfscaffold adopt`` is a stranger's input: its pyproject.toml (PEP 621's
``[project]``, as pdm and hatch write it, or poetry's ``[tool.poetry.dependencies]``), its
requirements files (includes followed only inside the folder) or its setup.cfg are read as
data; a setup.py is never run, so a project that declares its requirements only there is
refused. The result is a list of PEP 508 requirements, as the user wrote them, and where they
came from.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from hfscaffold.errors import UserError, quoted

# requirements files, in the order they are preferred: the plain one first.
_REQUIREMENTS = re.compile(r"^requirements([-_.][\w.-]*)?\.(txt|in)$")
# The development requirements beside a requirements.txt: adopted as the dev dependency group.
_DEV_REQUIREMENTS = ("requirements-dev.txt", "requirements_dev.txt", "dev-requirements.txt")


@dataclass(frozen=True)
class Declared:
    """The requirements a project declares, and what else a pyproject.toml needs from it."""

    source: str  # the file they were read from, relative to the project
    requirements: tuple[str, ...]  # PEP 508, as the user wrote them
    requires_python: str | None = None
    name: str | None = None
    left_out: tuple[str, ...] = field(default=())  # lines not adopted, with the reason
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # poetry's groups, pdm's dev ones


def read_declared(root: Path, *, requirements: Sequence[str] = ()) -> Declared:
    """The first source that declares requirements: pyproject.toml, then requirements*.txt (or
    the ``requirements`` files given), then setup.cfg; a folder with only a setup.py is refused."""
    if not requirements:
        pyproject = root / "pyproject.toml"
        if pyproject.is_file():
            declared = from_pyproject(read_project_file(pyproject), source="pyproject.toml")
            if declared is not None:
                return declared
        found = sorted(
            (p for p in root.iterdir() if _REQUIREMENTS.match(p.name) and p.is_file()),
            key=lambda p: (p.name != "requirements.txt", p.name),
        )
        if found and found[0].name == "requirements.txt":
            return _with_dev_requirements(root, from_requirements_file(root, "requirements.txt"))
        requirements = [p.name for p in found[:1]]
    if requirements:
        return from_requirements_file(root, requirements[0])
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        declared = from_setup_cfg(read_project_file(setup_cfg), source="setup.cfg")
        if declared is not None:
            return declared
    if (root / "setup.py").is_file():
        raise UserError(
            "the project declares its requirements only in setup.py, which hfscaffold never runs",
            hint="list them in requirements.txt or pyproject.toml's [project] dependencies, then adopt again",
        )
    raise UserError(
        f"{root} declares no requirements (no pyproject.toml dependencies, requirements*.txt or setup.cfg)",
        hint="`hfscaffold new NAME --with ...` starts a project; or pass --requirements FILE",
    )


def read_project_file(path: Path) -> str:
    """A file of the project as UTF-8 text, or a UserError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path.name}: {exc}", hint="adopt reads UTF-8 text files") from None


def _checked(lines: Sequence[str], source: str) -> tuple[str, ...]:
    out = []
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise UserError(
                f"{source}: cannot parse {quoted(line)}: {str(exc).splitlines()[0]}",
                hint="each requirement is PEP 508: NAME, NAME[extra]>=X, NAME==X; marker",
            ) from None
        if requirement.url:
            raise UserError(
                f"{source}: {quoted(line)} names a URL: hfscaffold pins packages from the index only",
                hint="install it from the index by name and version, or keep the project as it is",
            )
        out.append(str(requirement))
    return tuple(out)


def parse_pyproject(text: str, *, source: str) -> dict[str, object]:
    """A pyproject.toml's tables, or a UserError with the file, the line and what is wrong."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        return tomlkit.parse(text).unwrap()
    except ParseError as exc:
        raise UserError(f"{source}: {exc}", hint="fix the TOML syntax") from None


def is_hfscaffold_project(data: dict[str, object]) -> bool:
    tool = data.get("tool")
    return isinstance(tool, dict) and "hfscaffold" in tool


def from_pyproject(text: str, *, source: str) -> Declared | None:
    """PEP 621's ``[project]`` dependencies, else poetry's; None when it declares neither."""
    data = parse_pyproject(text, source=source)
    project = data.get("project")
    tool = data.get("tool", {})
    if isinstance(project, dict):
        if "dependencies" in project.get("dynamic", []):
            raise UserError(
                f"{source}: [project] dependencies are dynamic (computed by the build backend), which hfscaffold never runs",
                hint="write them in [project] dependencies, then adopt again",
            )
        lines = project.get("dependencies")
        if isinstance(lines, list) and lines:
            python = project.get("requires-python")
            pdm = tool.get("pdm", {}) if isinstance(tool, dict) else {}
            dev = pdm.get("dev-dependencies", {}) if isinstance(pdm, dict) else {}
            groups = {
                str(group): _checked([str(x) for x in items], source)
                for group, items in (dev.items() if isinstance(dev, dict) else [])
                if isinstance(items, list) and items
            }
            return Declared(
                source,
                _checked([str(x) for x in lines], source),
                requires_python=str(python) if python else None,
                name=str(project["name"]) if project.get("name") else None,
                groups=groups,
            )
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict) and poetry["dependencies"]:
        return _from_poetry(poetry, source)
    return None


def _from_poetry(poetry: dict[str, object], source: str) -> Declared:
    """Poetry's constraints (``^1.2``, ``~1.2``, tables with extras and markers) as PEP 508, by
    poetry-core, the library poetry itself parses them with; its groups (and the old
    ``dev-dependencies``) as dependency groups."""
    left_out: list[str] = []
    lines, python = _poetry_table(poetry["dependencies"], "[tool.poetry.dependencies]", source, left_out)
    tables: dict[str, object] = {}
    if isinstance(poetry.get("dev-dependencies"), dict):
        tables["dev"] = poetry["dev-dependencies"]
    groups_table = poetry.get("group")
    for group, table in groups_table.items() if isinstance(groups_table, dict) else []:
        if isinstance(table, dict) and isinstance(table.get("dependencies"), dict):
            tables[str(group)] = table["dependencies"]
    groups = {
        group: _checked(_poetry_table(table, f"[tool.poetry.group.{group}]", source, left_out)[0], source)
        for group, table in tables.items()
    }
    name = poetry.get("name")
    return Declared(
        source,
        _checked(lines, source),
        requires_python=python,
        name=str(name) if name else None,
        left_out=tuple(left_out),
        groups={group: lines for group, lines in groups.items() if lines},
    )


def _poetry_table(table: object, where: str, source: str, left_out: list[str]) -> tuple[list[str], str | None]:
    """One table of poetry constraints: its PEP 508 lines and its ``python`` range."""
    from poetry.core.factory import Factory

    assert isinstance(table, dict)
    lines: list[str] = []
    python: str | None = None
    for name, constraint in table.items():
        if isinstance(constraint, list):
            left_out.append(f"{source}: {name}: several constraints by platform (write them in [project])")
            continue
        if isinstance(constraint, dict) and constraint.get("optional"):
            left_out.append(f"{source}: {name}: optional (an extra), not a requirement of the project")
            continue
        if isinstance(constraint, dict) and ({"path", "git", "url", "file"} & set(constraint)):
            left_out.append(f"{source}: {name}: not from the package index")
            continue
        if not isinstance(constraint, (str, dict)) or not isinstance(
            constraint.get("version", "*") if isinstance(constraint, dict) else constraint, str
        ):
            raise UserError(
                f"{source}: {where} {name} = {constraint!r} is not a constraint",
                hint='write a version string like "^1.2"',
            )
        try:
            dependency = Factory.create_dependency(str(name), constraint)
        except ValueError as exc:  # poetry-core's ParseConstraintError
            raise UserError(f"{source}: {where} {name} = {constraint!r}: {exc}", hint="fix the constraint") from None
        pep508 = dependency.to_pep_508()
        if canonicalize_name(str(name)) == "python":
            python = _specifier_of(pep508)
            continue
        lines.append(_compact(pep508))
    return lines, python


def _specifier_of(pep508: str) -> str | None:
    match = re.search(r"\(([^)]*)\)", pep508)
    return match.group(1) if match else None


def _compact(pep508: str) -> str:
    """``name[extra] (>=1,<2) ; marker`` as ``name[extra]>=1,<2; marker``."""
    return str(Requirement(pep508))


def from_requirements_file(root: Path, name: str) -> Declared:
    """A requirements file of the project (includes followed inside its folder only). Lines that
    name no index package (editables, paths, VCS, URLs) are not adopted: refused, except the
    project's own ``-e .``."""
    from hfscaffold.pins import file_includes
    from hfscaffold.requirements import parse_requirements

    path = (root / name).resolve()
    if not (path.parent == root.resolve() or root.resolve() in path.parents) or not path.is_file():
        raise UserError(f"{quoted(name)} is not a file of the project", hint="name a requirements file inside it")
    parsed = parse_requirements(read_project_file(path), source=name, include=file_includes(path.parent, root=root))
    refused = [item for item in parsed.not_evaluated if item.text.strip() not in (".", "./")]
    if refused:
        listed = "; ".join(str(item) for item in refused[:3])
        raise UserError(
            f"{len(refused)} line(s) name no package of the index: {listed}",
            hint="hfscaffold pins index packages only: remove or replace those lines, then adopt again",
        )
    wheels = [line for line in parsed.lines if line.kind == "wheel"]
    if wheels:
        raise UserError(
            f"{wheels[0].where}: {quoted(wheels[0].text)} names a URL: hfscaffold pins packages from the index only",
            hint="require it by name and version instead",
        )
    left_out = tuple(f"{line.where}: {line.text} (a constraint: kept in your file)" for line in parsed.constraints)
    return Declared(name, _checked([line.text for line in parsed.lines], name), left_out=left_out)


def _with_dev_requirements(root: Path, declared: Declared) -> Declared:
    """A requirements-dev.txt beside requirements.txt, as the dev group: what it adds to the
    main file (it often includes it with ``-r``)."""
    from dataclasses import replace

    for name in _DEV_REQUIREMENTS:
        if (root / name).is_file():
            main = {canonicalize_name(Requirement(line).name) for line in declared.requirements}
            dev = from_requirements_file(root, name)
            lines = tuple(line for line in dev.requirements if canonicalize_name(Requirement(line).name) not in main)
            return replace(declared, groups={"dev": lines}) if lines else declared
    return declared


def from_setup_cfg(text: str, *, source: str) -> Declared | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise UserError(f"{source}: {str(exc).splitlines()[0]}", hint="fix the file's syntax") from None
    if not parser.has_option("options", "install_requires"):
        return None
    lines = [line.split("#", 1)[0].strip() for line in parser.get("options", "install_requires").splitlines()]
    python = parser.get("options", "python_requires", fallback=None)
    name = parser.get("metadata", "name", fallback=None)
    return Declared(source, _checked([x for x in lines if x], source), requires_python=python, name=name)
