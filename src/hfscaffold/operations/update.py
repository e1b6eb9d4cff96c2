"""``hfscaffold update``: bring a project to the current template, keeping its answers and the
user's edits (Copier's update: a three-way merge, conflicts shown inline), then lock again.

Copier updates from a git repository of the template with one tag per version. hfscaffold ships
its template inside the wheel, so the update assembles that repository on the fly from two
snapshots: the template the project was made with (bundled in ``templates/history/VERSION``, or
given with ``--from-template``) and the current one.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml  # type: ignore[import-untyped, unused-ignore]

from hfscaffold import __version__
from hfscaffold.adapters import render
from hfscaffold.adapters.fs import process_alive, staging_directory, sweep_scratch, write_atomic
from hfscaffold.adapters.git import git
from hfscaffold.adapters.render import ANSWERS, read_answers
from hfscaffold.errors import ExternalError, FindingsError, UserError

BUNDLED = "hfscaffold:project"
# Copier reads the old template's place from an answers file in the project: a scratch copy,
# named for this process so that a killed update's copy (and its git exclude line) can be told
# from a running one's and cleaned up by the next update.
_SCRATCH_ANSWERS = re.compile(r"^\.hfscaffold-(\d+)-update-answers\.yml$")
_WORK = "hfscaffold-update"


@dataclass(frozen=True)
class UpdateResult:
    project: Path
    from_version: str
    to_version: str
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    up_to_date: bool = False


def _template_repository(old: Path, new: Path, work: Path) -> Path:
    """A git repository with the old template tagged ``old`` and the current one tagged ``new``."""
    repo = work / "template"
    repo.mkdir()
    identity = ("-c", "user.name=hfscaffold", "-c", "user.email=hfscaffold@localhost", "-c", "commit.gpgsign=false")
    git("init", "-q", cwd=repo)
    for tag, source in (("old", old), ("new", new)):
        for entry in repo.iterdir():
            if entry.name != ".git":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        shutil.copytree(source, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        git("add", "-A", cwd=repo)
        git(*identity, "commit", "-q", "--allow-empty", "-m", f"template {tag}", cwd=repo)
        git("tag", tag, cwd=repo)
    return repo


def bundled_template(version: str) -> Path | None:
    """The template a given hfscaffold version rendered, if this installation carries it."""
    if version == __version__:
        return render.template_path("project")
    if not re.fullmatch(r"[0-9][0-9A-Za-z.+!-]{0,39}", version):  # read from the answers: never a path
        return None
    history = render.template_path("project").parent / "history" / version
    return history if history.is_dir() else None


def _scratch_answers_name() -> str:
    return f".hfscaffold-{os.getpid()}-update-answers.yml"


def _exclude_file(root: Path) -> tuple[Path, str]:
    """The repository's exclude file, and the project's folder within the repository ("" at its
    top): the project may be a folder of a larger repository, or a worktree."""
    exclude = git("rev-parse", "--git-path", "info/exclude", cwd=root).strip()
    prefix = git("rev-parse", "--show-prefix", cwd=root).strip()
    return (root / exclude), prefix


def sweep_update_leftovers(root: Path) -> None:
    """Remove what a killed update left: its scratch answers, their git exclude line, its work
    folder (the assembled template repository and Copier's clones) in the temporary folder."""
    for path in root.glob(".hfscaffold-*-update-answers.yml"):
        match = _SCRATCH_ANSWERS.match(path.name)
        if match and not process_alive(int(match.group(1))) and not path.is_dir():
            path.unlink(missing_ok=True)
    try:
        exclude, _ = _exclude_file(root)
    except ExternalError:
        exclude = None  # not a git repository: nothing was excluded
    if exclude is not None and exclude.is_file() and not exclude.is_symlink():
        lines = exclude.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not _dead_exclude_line(line)]
        if kept != lines:
            write_atomic(exclude, "".join(kept))
    sweep_scratch(Path(tempfile.gettempdir()), _WORK)


def _dead_exclude_line(line: str) -> bool:
    match = _SCRATCH_ANSWERS.match(line.strip().rsplit("/", 1)[-1])
    return match is not None and not process_alive(int(match.group(1)))


@contextmanager
def _excluded(root: Path, name: str) -> Iterator[None]:
    """``name`` ignored by git while the block runs (Copier refuses a project with untracked files)."""
    exclude, prefix = _exclude_file(root)
    if exclude.is_symlink():
        raise UserError(f"{exclude} is a link: refused", hint="replace it with a file")
    pattern = f"/{prefix}{name}"
    before = exclude.read_text(encoding="utf-8") if exclude.is_file() else None
    exclude.parent.mkdir(parents=True, exist_ok=True)
    separator = "" if not before or before.endswith("\n") else "\n"
    write_atomic(exclude, f"{before or ''}{separator}{pattern}\n")
    try:
        yield
    finally:
        current = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
        remaining = "".join(line for line in current.splitlines(keepends=True) if line.strip() != pattern)
        if before is None and not remaining.strip():
            exclude.unlink(missing_ok=True)
        else:
            write_atomic(exclude, remaining)


@contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """Copier's own temporary folders (clones of the template) go inside ``folder`` for the
    duration, so that a killed update leaves them where the next one sweeps."""
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def update_project(
    root: Path, *, from_template: Path | None = None, report: Callable[[str], None] = lambda _: None
) -> UpdateResult:
    root = root.absolute()
    answers_file = root / ANSWERS
    if not answers_file.is_file():
        raise UserError(f"{root} has no {ANSWERS}", hint="update works on projects made by `hfscaffold new`")
    answers = read_answers(answers_file)
    made_with = str(answers.get("hfscaffold_version", "unknown"))[:40]
    old = from_template or bundled_template(made_with)
    if old is None:
        raise UserError(
            f"the template of hfscaffold {made_with} is not bundled with hfscaffold {__version__}",
            hint="pass --from-template with that template (e.g. from a checkout of that version)",
        )
    new = render.template_path("project")
    if old == new:
        return UpdateResult(root, made_with, __version__, up_to_date=True)
    sweep_update_leftovers(root)
    if git("status", "--porcelain", cwd=root).strip():
        raise UserError(
            f"{root} has uncommitted changes",
            hint="commit or stash them: the update is a merge, and git keeps your version safe",
        )

    scratch_name = _scratch_answers_name()
    scratch = root / scratch_name
    with staging_directory(Path(tempfile.gettempdir()) / _WORK) as work, _excluded(root, scratch_name):
        repository = _template_repository(old, new, work)
        data = {key: value for key, value in answers.items() if not key.startswith("_")}
        data["hfscaffold_version"] = __version__
        # Copier reads the old version from the answers; point a scratch copy of them (ignored by
        # git, so the tree stays clean for Copier's check) at the assembled repository.
        write_atomic(
            scratch, yaml.safe_dump({**answers, "_src_path": str(repository), "_commit": "old"}, sort_keys=True)
        )
        try:
            report(f"Merging the template of hfscaffold {made_with} -> {__version__} into the project")
            with _temporary_files_in(work):
                render.update(root, data, answers_file=scratch_name, to_ref="new")
            recorded = read_answers(scratch)
        finally:
            scratch.unlink(missing_ok=True)
    # Record the bundled template again, never the scratch repository Copier saw.
    recorded.pop("_commit", None)
    recorded["_src_path"] = BUNDLED
    recorded["hfscaffold_version"] = __version__
    header = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n\n"
    write_atomic(answers_file, header + yaml.safe_dump(recorded, sort_keys=True, indent=4, default_flow_style=False))

    prefix = git("rev-parse", "--show-prefix", cwd=root).strip()
    # Porcelain paths are relative to the repository's top: make them the project's own.
    changed = [line[3:].removeprefix(prefix) for line in git("status", "--porcelain", "--", ".", cwd=root).splitlines()]
    conflicts = [path for path in changed if _has_conflict_markers(root / path)]
    return UpdateResult(root, made_with, __version__, changed=sorted(changed), conflicts=sorted(conflicts))


def _has_conflict_markers(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "<<<<<<< " in text and ">>>>>>> " in text


def require_no_conflicts(result: UpdateResult) -> None:
    if result.conflicts:
        raise FindingsError(
            f"the update left conflicts in {', '.join(result.conflicts)}",
            hint="resolve the <<<<<<< ======= >>>>>>> blocks (your version and the template's), then `hfscaffold lock`",
        )
