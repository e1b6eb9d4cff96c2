"""``hfscaffold add`` and ``remove``: change the project's direct requirements, every one pinned
exactly, and lock again with the matrix (steered or refused as ``new`` is).

The edit happens on a scratch copy: uv resolves the requirement as the user wrote it, the version
it picked is written ``==`` (extras and markers kept), the copy is locked again, and only then do
pyproject.toml and uv.lock replace the project's, together (or, with ``dry_run``, not at all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from hfscaffold.adapters.environment import read_stamp
from hfscaffold.adapters.fs import copy_project_files, scratch_directory, write_atomic
from hfscaffold.adapters.transaction import Transaction
from hfscaffold.adapters.uv import Uv, running_python_fits
from hfscaffold.adapters.venv import sync_environment
from hfscaffold.errors import UserError, quoted
from hfscaffold.pins import PinSet, read_uv_lock
from hfscaffold.project import Project, load_project, locked_project
from hfscaffold.pyproject import add_requirement, remove_requirement, set_tool_setting
from hfscaffold.resolution import Resolution, pin_resolved, resolve
from hfscaffold.review import Change, diff

_GROUP_SYNTAX = "a dependency group name: letters, digits, '-', '_' or '.'"


@dataclass(frozen=True)
class EditRequest:
    project: Path
    requirements: tuple[str, ...]  # to add: PEP 508 requirements; to remove: names
    group: str | None = None  # a dependency group (dev with --dev); None: [project] dependencies
    offline: bool = False
    dry_run: bool = False
    allow: tuple[str, ...] = ()
    sync: bool = True  # bring an environment `hfscaffold sync` built in step with the new lock


@dataclass(frozen=True)
class EditResult:
    project: Path
    written: dict[str, str]  # name -> the requirement now in pyproject.toml ("" when removed)
    moved: list[Change]  # what changed in the lock
    resolution: Resolution
    changed: list[str] = field(default_factory=list)  # files replaced (none on a dry run)
    synced: bool = False


def parse_additions(items: Sequence[str]) -> list[Requirement]:
    requirements = []
    for item in items:
        try:
            requirement = Requirement(item)
        except InvalidRequirement as exc:
            raise UserError(
                f"{quoted(item)} is not a requirement: {str(exc).splitlines()[0]}",
                hint="write a name with an optional version: `scikit-learn`, `numpy==2.1.3`, `peft>=0.13`",
            ) from None
        if requirement.url:
            raise UserError(
                f"{quoted(item)} names a URL: add only installs from the package index, pinned exactly",
                hint="add it to pyproject.toml yourself, then run `hfscaffold lock`",
            )
        requirements.append(requirement)
    return requirements


def _where(group: str | None) -> str:
    return f"dependency group {group!r}" if group else "[project] dependencies"


def _check_group(group: str | None) -> None:
    if group is not None and (not group or not all(c.isalnum() or c in "-_." for c in group)):
        raise UserError(f"{quoted(group)} is not {_GROUP_SYNTAX}", hint="e.g. --group docs, or --dev")


def _lock_edit(
    project: Project,
    request: EditRequest,
    edit: Callable[[Path], dict[str, str]],
    report: Callable[[str], None],
) -> EditResult:
    """Apply ``edit`` to a scratch copy of the project (it returns what it wrote), lock the copy
    with the matrix, and replace the project's files with the copy's (unless a dry run)."""
    uv = Uv(offline=request.offline)
    python = running_python_fits(project)  # no search of PATH (a pyenv shim costs uv 0.5 s)
    old = (
        read_uv_lock(project.lock_text(), source=str(project.lock_file))
        if project.lock_file.is_file()
        else PinSet({}, source="uv.lock")
    )
    allow = project.allowed_rules() | frozenset(request.allow)
    with scratch_directory(project.root) as scratch:
        copy_project_files(project.root, scratch)
        written = edit(scratch)
        edited = load_project(scratch)  # the edited copy, as uv will read it
        resolution = resolve(
            scratch, uv=uv, rules=project.rules(), constraints=edited.constraints(), allow=allow, python=python
        )
        written = pin_resolved(scratch, written, resolution, uv, python)
        text = (scratch / "pyproject.toml").read_text(encoding="utf-8")
        text = set_tool_setting(text, "matrix-rules", sorted(resolution.applied))
        if request.allow:
            text = set_tool_setting(text, "allow", sorted(allow))
        write_atomic(scratch / "pyproject.toml", text)
        new = read_uv_lock((scratch / "uv.lock").read_text(encoding="utf-8"), source="uv.lock")
        changed: list[str] = []
        if not request.dry_run:
            transaction = Transaction(project.root)
            for name in ("pyproject.toml", "uv.lock"):
                content = (scratch / name).read_bytes()
                target = project.root / name
                if not target.is_file() or target.read_bytes() != content:
                    transaction.stage(name, content)
                    changed.append(name)
            transaction.commit()
    report(f"Locked {resolution.uv.resolved_count or 'all'} packages")
    synced = False
    if changed and request.sync and read_stamp(project.venv) is not None:
        # As `uv add` does: the environment the user already has follows the lock. One that
        # hfscaffold did not build is left alone (`run` and `sync` refuse or build it).
        locked = load_project(project.root)
        sync_environment(locked, uv=uv)
        synced = True
    return EditResult(project.root, written, diff(old, new), resolution, changed, synced)


def add_packages(request: EditRequest, *, report: Callable[[str], None] = lambda _: None) -> EditResult:
    _check_group(request.group)
    additions = parse_additions(request.requirements)
    root = request.project.absolute()
    with locked_project(root, report=report) as (project, _):

        def edit(scratch: Path) -> dict[str, str]:
            pyproject = scratch / "pyproject.toml"
            text = pyproject.read_text(encoding="utf-8")
            written: dict[str, str] = {}
            for requirement in additions:
                text = add_requirement(text, str(requirement), group=request.group)
                written[canonicalize_name(requirement.name)] = str(requirement)
            write_atomic(pyproject, text)
            return written

        return _lock_edit(project, request, edit, report)


def remove_packages(request: EditRequest, *, report: Callable[[str], None] = lambda _: None) -> EditResult:
    _check_group(request.group)
    names = [canonicalize_name(name) for name in request.requirements]
    root = request.project.absolute()
    with locked_project(root, report=report) as (project, _):
        for name in names:
            if not any(
                canonicalize_name(r.name) == name and where == _place(request.group)
                for where, r in project.direct_requirements()
            ):
                elsewhere = sorted({w for w, r in project.direct_requirements() if canonicalize_name(r.name) == name})
                hint = (
                    f"it is in {', '.join(elsewhere)}: pass --group (or --dev) to name the group"
                    if elsewhere
                    else "`hfscaffold why PKG` tells who requires a package that is not your own"
                )
                raise UserError(f"{name} is not in the project's {_where(request.group)}", hint=hint)

        def edit(scratch: Path) -> dict[str, str]:
            pyproject = scratch / "pyproject.toml"
            text = pyproject.read_text(encoding="utf-8")
            for name in names:
                text = remove_requirement(text, name, group=request.group) or text
            components = [c for c in project.components if canonicalize_name(c) not in names]
            if components != project.components:
                text = set_tool_setting(text, "components", components)
            write_atomic(pyproject, text)
            return {str(name): "" for name in names}

        return _lock_edit(project, request, edit, report)


def _place(group: str | None) -> str:
    return f"dependency-groups.{group}" if group else "dependencies"
