"""``hfscaffold lock``: regenerate uv.lock from pyproject.toml, steered by the matrix, written safely.

uv works on a scratch copy beside the project; the project's files are only ever replaced as a
unit (see :class:`hfscaffold.adapters.transaction.Transaction`), under the project's file lock.
uv starts as soon as the project is read, before the project lock is taken (once it is, the files
uv was given are checked to be the project's): the project lock, the old uv.lock and the matrix's
machinery (resolution, evaluation, the knowledge) are taken, parsed, imported and loaded while it
resolves, so those modules are imported where used.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hfscaffold.adapters.fs import PROJECT_FILES, copy_project_files, scratch_directory
from hfscaffold.adapters.lock_record import LockRecord, inputs_digest, remember
from hfscaffold.adapters.transaction import Transaction, pending, project_lock, recover, sweep
from hfscaffold.adapters.uv import Uv, running_python_fits
from hfscaffold.errors import FindingsError
from hfscaffold.project import inexact_text, load_project, locked_project

if TYPE_CHECKING:
    from hfscaffold.adapters.imports import ImportCheck
    from hfscaffold.evaluation import Violation
    from hfscaffold.resolution import Resolution
    from hfscaffold.review import Change

_MATRIX_COMMENT = re.compile(r"#\s*hfscaffold matrix:\s*([a-z0-9-]+)")


@dataclass(frozen=True)
class LockRequest:
    project: Path
    offline: bool = False
    pylock: bool = False
    verify: bool = False
    rule_files: tuple[Path, ...] = ()
    dry_run: bool = False  # resolve and say what would change; write nothing


@dataclass(frozen=True)
class LockResult:
    project: Path
    changed: list[str]
    resolution: Resolution
    recovered: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    imports: ImportCheck | None = None
    moved: list[Change] = field(default_factory=list)  # what changes in uv.lock


def _signature(root: Path) -> tuple[tuple[int, ...] | None, ...]:
    """What tells the files uv is given apart from the same names rewritten: hfscaffold replaces
    a file by a new one (another inode), and an edit in place changes its time or size."""
    found: list[tuple[int, ...] | None] = []
    for name in PROJECT_FILES:
        try:
            status = os.lstat(root / name)
        except FileNotFoundError:
            found.append(None)
        else:
            found.append((status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_mode))
    return tuple(found)


def matrix_rules_in(pyproject_text: str) -> list[str]:
    """Rule ids named by the matrix's comments in ``[tool.uv] constraint-dependencies``."""
    return sorted(set(_MATRIX_COMMENT.findall(pyproject_text)))


def lock_project(request: LockRequest, *, report: Callable[[str], None] = lambda _: None) -> LockResult:
    uv = Uv(offline=request.offline)
    root = request.project.absolute()
    start = time.perf_counter()
    read = load_project(root)  # a project uv may not see a copy of is refused before anything runs
    pending(root)  # and a journal that came with it, before anything is written (the scratch too)
    with scratch_directory(root) as scratch, ThreadPoolExecutor(max_workers=2) as background:
        # uv's first lock starts before the project lock is taken (its import and any wait would
        # delay uv); once it is held, the files uv was given are checked to be the project's, and
        # in the rare case that they moved in between (another command's write, a recovery), uv
        # locks them again. Everything after that happens under the lock, as before.
        copied = _signature(root)
        copy_project_files(root, scratch)
        python = running_python_fits(read)  # no search of PATH (a pyenv shim costs uv 0.5 s)
        first = background.submit(uv.lock, scratch, python=python)
        with locked_project(root, report=report, read=read) as (project, recovered):
            if _signature(root) != copied:
                first.exception()  # uv's answer is about other files: wait for it and start again
                for name in PROJECT_FILES:
                    (scratch / name).unlink(missing_ok=True)
                copy_project_files(root, scratch)
                python = running_python_fits(project)
                first = background.submit(uv.lock, scratch, python=python)
            # The knowledge loads beside uv, and the matrix's modules are imported meanwhile;
            # resolve takes both once uv's first lock is in.
            knowledge = background.submit(project.rules, request.rule_files)
            before_text = project.lock_text() if project.lock_file.exists() else None
            before = None
            if before_text is not None:  # parsed once, while uv runs: a broken lock is refused (exit 2)
                from hfscaffold.pins import read_uv_lock

                before = read_uv_lock(before_text, source=str(project.lock_file))
            from hfscaffold.pyproject import set_tool_setting
            from hfscaffold.resolution import resolve
            from hfscaffold.review import diff

            resolution = resolve(
                scratch,
                uv=uv,
                rules=knowledge.result,
                constraints=project.constraints(),
                allow=project.allowed_rules(),
                python=python,
                known=(before_text, before) if before_text is not None and before is not None else None,
                first=first.result,
            )
            rules = knowledge.result()
            text = (scratch / "pyproject.toml").read_text(encoding="utf-8")
            text = set_tool_setting(text, "matrix", rules.version)
            text = set_tool_setting(text, "matrix-rules", matrix_rules_in(text))
            (scratch / "pyproject.toml").write_text(text, encoding="utf-8")
            if request.pylock or project.settings.pylock:
                uv.run(
                    ["export", "--frozen", "--format", "pylock.toml", "--output-file", "pylock.toml", "--quiet"],
                    cwd=scratch,
                    what="export pylock.toml",
                )
            changed = [
                name
                for name in ("pyproject.toml", "uv.lock", "pylock.toml")
                if (scratch / name).is_file()
                and (not (root / name).is_file() or (root / name).read_bytes() != (scratch / name).read_bytes())
            ]
            # Nothing moved where uv.lock stays as it is: no review (and no catalog) for a no-op.
            moved = diff(before, resolution.pins) if before is not None and "uv.lock" in changed else []
            if not request.dry_run:
                transaction = Transaction(root)
                for name in changed:
                    transaction.stage(name, (scratch / name).read_bytes())
                transaction.commit()
            if not request.dry_run and not request.rule_files and not (request.pylock or project.settings.pylock):
                _remember(root, project.settings.rule_files, python, resolution)
            elapsed = time.perf_counter() - start
            imports = None
            if request.verify and not request.dry_run:
                # Imported here: the catalog and the environment machinery cost start-up time.
                from hfscaffold.adapters.imports import import_failure, verify_and_record
                from hfscaffold.adapters.venv import sync_environment

                locked = load_project(root)
                sync_environment(locked, uv=uv)
                imports = verify_and_record(locked)
                if not imports.ok:
                    raise import_failure(imports, root)
    return LockResult(
        project=root,
        changed=changed,
        resolution=resolution,
        recovered=recovered,
        timings={"lock": elapsed},
        imports=imports,
        moved=moved,
    )


def _remember(root: Path, rule_files: Sequence[str], python: str | None, resolution: Resolution) -> None:
    """Keep what this lock found, so that a next one with the same inputs needs only uv's check
    (operations/current_lock.py). Only a lock of the project's own knowledge is kept: another
    one's ``--rules`` are not among the inputs the record covers."""
    digest = inputs_digest(root, rule_files)
    if digest is not None and not resolution.warnings:
        remember(root, LockRecord(digest, tuple(rule_files), python, resolution.applied))


@dataclass(frozen=True)
class LockCheck:
    project: Path
    stale: str | None  # uv's reason when the lock does not match pyproject.toml
    violations: list[Violation]
    allowed: list[Violation]
    inexact: list[str] = field(default_factory=list)  # direct requirements not pinned `==`

    @property
    def ok(self) -> bool:
        return self.stale is None and not self.inexact and not [v for v in self.violations if v.severity == "error"]


def check_lock(request: LockRequest) -> LockCheck:
    """Change nothing: is uv.lock current for pyproject.toml, and clean against the matrix?"""
    root = request.project.absolute()
    load_project(root)  # a folder that is not a project is refused before anything is written
    if pending(root):  # an interrupted lock is finished first, so what is checked is consistent
        with project_lock(root):
            recover(root)
    else:
        sweep(root)
    project = load_project(root)
    if not project.lock_file.is_file():
        raise FindingsError(f"{root} has no uv.lock", hint="run `hfscaffold lock`")
    from hfscaffold.evaluation import breakages, evaluate
    from hfscaffold.pins import read_uv_lock

    pins = read_uv_lock(project.lock_text(), source=str(project.lock_file))
    uv = Uv(offline=request.offline)
    stale = "uv.lock does not match pyproject.toml" if uv.is_stale(root, python=running_python_fits(project)) else None
    found = breakages(evaluate(project.rules(request.rule_files), pins))
    allow = project.allowed_rules()
    return LockCheck(
        project=root,
        stale=stale,
        violations=[v for v in found if v.rule.id not in allow],
        allowed=[v for v in found if v.rule.id in allow],
        inexact=[inexact_text(where, r) for where, r in project.inexact_requirements()],
    )
