"""A project on disk: its pyproject.toml read strictly, and what hfscaffold records in it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from hfscaffold import _toml
from hfscaffold.adapters.fs import is_inside, real, refuse_outside_links
from hfscaffold.adapters.transaction import project_lock, recover
from hfscaffold.errors import UserError, quoted
from hfscaffold.naming import canonical_name, plain_pin
from hfscaffold.settings import Settings, parse_settings

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from hfscaffold.knowledge import RuleSet

# packaging's requirement parser is imported where a requirement is more than `name==version`:
# its import is a sixth of what reading a project costs before uv can start.


@dataclass(frozen=True)
class Project:
    root: Path
    data: dict[str, object]

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    @property
    def lock_file(self) -> Path:
        return self.root / "uv.lock"

    @property
    def venv(self) -> Path:
        return self.root / ".venv"

    @cached_property
    def settings(self) -> Settings:
        """``[tool.hfscaffold]``, checked: an unknown key is bad input, not a silent no-op."""
        tool = self.data.get("tool", {})
        table = tool.get("hfscaffold", {}) if isinstance(tool, dict) else {}
        return parse_settings(table if isinstance(table, dict) else {}, source=str(self.pyproject))

    @property
    def components(self) -> list[str]:
        return list(self.settings.components)

    @property
    def torch_backend(self) -> str:
        return self.settings.torch_backend

    @property
    def requires_python(self) -> SpecifierSet | None:
        project = self.data.get("project", {})
        value = project.get("requires-python") if isinstance(project, dict) else None
        return SpecifierSet(str(value)) if value else None

    def rule_files(self) -> list[Path]:
        """``[tool.hfscaffold] rules = "compat.toml"`` (or a list): the project's own rule files,
        which must lie inside the project."""
        paths = []
        root = real(self.root)
        for name in self.settings.rule_files:
            path = real(self.root / name) if "\0" not in name else None
            if path is None or not is_inside(path, root):
                raise UserError(
                    f"{self.pyproject}: [tool.hfscaffold] rules names {quoted(name)}, outside the project: refused",
                    hint="keep the project's rule files inside it (a path relative to pyproject.toml); pass others with --rules",
                )
            paths.append(self.root / name)
        return paths

    def allowed_rules(self) -> frozenset[str]:
        """``[tool.hfscaffold] allow``: error rules the project accepted with ``--allow``."""
        return frozenset(self.settings.allow)

    def rules(self, extra: Sequence[Path] = ()) -> RuleSet:
        """The built-in matrix plus this project's rule files and ``extra`` ones."""
        from hfscaffold.adapters.knowledge_files import load_rules  # the knowledge costs start-up: only for who asks

        return load_rules([*self.rule_files(), *extra])

    def requirements(self) -> list[str]:
        """``[project] dependencies`` as written."""
        project = self.data.get("project", {})
        lines = project.get("dependencies", []) if isinstance(project, dict) else []
        return [str(line) for line in lines] if isinstance(lines, list) else []

    def direct_requirements(self) -> list[tuple[str, Requirement]]:
        """Every direct requirement with where it is written (``dependencies``,
        ``optional-dependencies.X``, ``dependency-groups.X``); checked when the project was read."""
        project = self.data.get("project", {})
        places: list[tuple[str, object]] = []
        if isinstance(project, dict):
            places.append(("dependencies", project.get("dependencies", [])))
            extras = project.get("optional-dependencies", {})
            places += [(f"optional-dependencies.{k}", v) for k, v in extras.items()] if isinstance(extras, dict) else []
        groups = self.data.get("dependency-groups", {})
        places += [(f"dependency-groups.{k}", v) for k, v in groups.items()] if isinstance(groups, dict) else []
        from packaging.requirements import Requirement

        found = []
        for where, items in places:
            for item in items if isinstance(items, list) else []:
                if isinstance(item, str):
                    found.append((where, Requirement(item)))
        return found

    def inexact_requirements(self) -> list[tuple[str, Requirement]]:
        """Direct requirements not pinned to one version (``six>=1.0``, ``numpy``, ``torch==2.*``);
        none when the project opts out with ``[tool.hfscaffold] exact = false``."""
        if not self.settings.exact:
            return []
        return [(where, r) for where, r in self.direct_requirements() if not _exact(r)]

    def constraints(self) -> dict[str, SpecifierSet]:
        """The project's own requirements (its pins): what matrix repair must not override."""
        from packaging.requirements import InvalidRequirement, Requirement

        constraints: dict[str, SpecifierSet] = {}
        for line in self.requirements():
            try:
                requirement = Requirement(str(line))
            except InvalidRequirement as exc:
                raise UserError(
                    f"{self.pyproject}: dependency {line!r}: {str(exc).splitlines()[0]}", hint="fix the requirement"
                ) from None
            if str(requirement.specifier):
                constraints[canonical_name(requirement.name)] = requirement.specifier
        return constraints

    def lock_text(self) -> str:
        """uv.lock's text, or a UserError when it is not UTF-8 (as uv writes it)."""
        try:
            return self.lock_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UserError(
                f"{self.lock_file}: not UTF-8 text, so not a uv.lock", hint="regenerate it with `hfscaffold lock`"
            ) from None

    @property
    def name(self) -> str | None:
        """The project's own distribution name (canonical), installed in its environment when it
        is a package."""
        table = self.data.get("project")
        name = table.get("name") if isinstance(table, dict) else None
        return canonical_name(name) if isinstance(name, str) else None

    def lock_hash(self) -> str | None:
        return _file_hash(self.lock_file)

    def pyproject_hash(self) -> str | None:
        return _file_hash(self.pyproject)


def inexact_text(where: str, requirement: Requirement) -> str:
    """A finding for a direct requirement that is not pinned exactly, with the command that pins it."""
    group = where.removeprefix("dependency-groups.")
    option = "" if where == "dependencies" else " --dev" if group == "dev" else f" --group {group}"
    if where.startswith("optional-dependencies."):
        return f"{requirement} in {where} is not pinned exactly: pin it `==` in pyproject.toml, then `hfscaffold lock`"
    return f"{requirement} in {where} is not pinned exactly: run `hfscaffold add{option} {requirement.name}`"


def _exact(requirement: Requirement) -> bool:
    if requirement.url:
        return True  # one artifact: as exact as it gets, and not the index's to pin
    specs = list(requirement.specifier)
    return any(s.operator == "===" or (s.operator == "==" and not s.version.endswith(".*")) for s in specs)


def _file_hash(path: Path) -> str | None:
    if not path.is_file():
        return None
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


# The files of a project that hfscaffold reads or replaces: none may lead outside it.
OWN_FILES = ("pyproject.toml", "uv.lock", "pylock.toml", ".python-version", ".copier-answers.yml")


def _bad(pyproject: Path | str, what: str) -> UserError:
    return UserError(f"{pyproject}: {what}", hint="fix pyproject.toml; nothing was changed")


def check_project_table(data: dict[str, object], source: Path | str) -> None:
    """The parts of pyproject.toml that hfscaffold and uv act on are well-formed (PEP 508, PEP 440)."""
    project = data.get("project")
    if not isinstance(project, dict):
        raise UserError(f"{source}: no [project] table", hint="hfscaffold works on projects with a [project] table")
    requires_python = project.get("requires-python")
    if requires_python is not None:
        if not isinstance(requires_python, str):
            raise _bad(source, 'requires-python must be a string such as ">=3.10"')
        try:
            SpecifierSet(requires_python)
        except InvalidSpecifier:
            raise _bad(source, f"requires-python {quoted(requires_python)} is not a version specifier") from None
    groups: list[tuple[str, object]] = [("dependencies", project.get("dependencies", []))]
    for table in ("optional-dependencies",):
        extra = project.get(table, {})
        if not isinstance(extra, dict):
            raise _bad(source, f"[project] {table} must be a table of lists")
        groups += [(f"optional-dependencies.{name}", items) for name, items in extra.items()]
    dependency_groups = data.get("dependency-groups", {})
    if not isinstance(dependency_groups, dict):
        raise _bad(source, "[dependency-groups] must be a table of lists")
    groups += [(f"dependency-groups.{name}", items) for name, items in dependency_groups.items()]
    for where, items in groups:
        if not isinstance(items, list):
            raise _bad(source, f"{where} must be a list of requirements")
        for item in items:
            if isinstance(item, dict) and where.startswith("dependency-groups"):
                continue  # {include-group = "..."}
            if not isinstance(item, str):
                raise _bad(source, f"{where}: {quoted(item)} is not a requirement string")
            if plain_pin(item) is not None:
                continue  # valid as it stands
            from packaging.requirements import InvalidRequirement, Requirement

            try:
                Requirement(item)
            except InvalidRequirement as exc:
                reason = str(exc).splitlines()[0][:120] if str(exc) else "invalid"
                raise _bad(source, f"{where}: {quoted(item)} is not a valid requirement: {reason}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or not isinstance(tool.get("hfscaffold", {}), dict):
        raise _bad(source, "[tool.hfscaffold] must be a table")


_PYTHON_REQUEST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@.+<>=!,~*\- ]*$")


def check_python_version_file(path: Path) -> None:
    """``.python-version`` may ask for a Python version, never name a file: uv would run a path
    written there (``../tools/python``) as the project's interpreter."""
    if not path.is_file():
        return
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text", hint="write a Python version such as 3.11 in it") from None
    for line in lines:
        request = line.strip()
        if request and not request.startswith("#") and not _PYTHON_REQUEST.match(request):
            raise UserError(
                f"{path}: {quoted(request, 60)} is not a Python version request: refused (a path there would be run)",
                hint="write a version such as 3.11 in it",
            )


def enclosing_workspace(root: Path) -> Path | None:
    """The folder above ``root`` whose pyproject.toml declares a uv workspace, if any: uv would make
    the project (or a scratch copy beside it) a member, with the workspace's lock and environment."""
    for parent in real(root).parents:
        candidate = parent / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = _toml.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        tool = data.get("tool")
        uv = tool.get("uv") if isinstance(tool, dict) else None
        if isinstance(uv, dict) and "workspace" in uv:
            return parent
    return None


def load_project(root: Path) -> Project:
    """Read ``root/pyproject.toml``; a missing or broken file is a UserError naming file and line."""
    root = root.absolute()
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise UserError(f"{root} has no pyproject.toml", hint="run this in a project folder, or pass --project DIR")
    refuse_outside_links(root, OWN_FILES)
    try:
        text = pyproject.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{pyproject}: not UTF-8 text", hint="fix the file's encoding") from None
    data = _toml.parse(text, source=str(pyproject), hint="fix the file's syntax; nothing was changed")
    check_project_table(data, pyproject)
    check_python_version_file(root / ".python-version")
    workspace = enclosing_workspace(root)
    if workspace is not None:
        raise UserError(
            f"{root} is inside the uv workspace of {workspace / 'pyproject.toml'}: its lock and environment would be the workspace's",
            hint="hfscaffold manages a project of its own: move it out of the workspace",
        )
    project = Project(root=root, data=data)
    project.settings  # noqa: B018 - an unknown or malformed setting is refused when the project is read
    return project


@contextmanager
def locked_project(
    root: Path, *, report: Callable[[str], None] = lambda _: None, read: Project | None = None
) -> Iterator[tuple[Project, str | None]]:
    """The project under its file lock, with an interrupted write finished or discarded first:
    (the project as it then is, what recovery did). A folder that is not a project, or a hostile
    journal, is refused before anything is written (the lock file included); ``read`` is the
    project as the caller already read it for that check."""
    if read is None:
        load_project(root)
    with project_lock(root, on_wait=lambda: report("Waiting for another hfscaffold command on this project")):
        recovered = recover(root)
        if recovered:
            report(f"Recovered: {recovered}")
        yield load_project(root), recovered
