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
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml  # type: ignore[import-untyped, unused-ignore]

from hfscaffold import __version__
from hfscaffold.adapters import render
from hfscaffold.adapters.fs import process_alive, staging_directory, sweep_scratch, write_atomic
from hfscaffold.adapters.git import git
from hfscaffold.adapters.render import ANSWERS, read_answers
from hfscaffold.adapters.uv import uv_version
from hfscaffold.errors import ExternalError, FindingsError, UserError, quoted

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
    dry_run: bool = False  # made on a throwaway clone: the project is untouched


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
    root: Path,
    *,
    from_template: Path | None = None,
    dry_run: bool = False,
    report: Callable[[str], None] = lambda _: None,
) -> UpdateResult:
    root = root.absolute()
    answers_file = root / ANSWERS
    if not answers_file.is_file():
        raise UserError(f"{root} has no {ANSWERS}", hint="update works on projects made by `hfscaffold new`")
    answers = read_answers(answers_file)
    source = answers.get("_src_path", BUNDLED)
    if source != BUNDLED and not isinstance(source, str):
        raise UserError(f"{answers_file}: _src_path is not a template's place", hint="restore it from version control")
    if source == BUNDLED and from_template is None and answers.get("hfscaffold_version") == __version__:
        return UpdateResult(root, __version__, __version__, up_to_date=True)
    if source == BUNDLED:
        _bundled_old(answers, from_template)  # a version that is no version is refused first
    sweep_update_leftovers(root)
    if git("status", "--porcelain", cwd=root).strip():
        raise UserError(
            f"{root} has uncommitted changes",
            hint="commit or stash them: the update is a merge, and git keeps your version safe",
        )
    if dry_run:
        if source != BUNDLED and from_template is None and not render.is_url(str(source)):
            from_template = Path(_template_place(str(source), root))  # relative to the project, not the clone
        return _rehearse(root, from_template, report)
    if source == BUNDLED:
        result = _update_from_bundled(root, answers, from_template, report)
    else:
        result = _update_from_users_template(root, answers, str(source), from_template, report)
    if result.up_to_date:
        return result
    kept = _keep_deleted_files(root)
    for path in kept:
        report(f"Kept {path}: the new template no longer makes it, and update never deletes your files")
    return _with_changes(root, result)


def _with_changes(root: Path, result: UpdateResult) -> UpdateResult:
    prefix = git("rev-parse", "--show-prefix", cwd=root).strip()
    # Porcelain paths are relative to the repository's top: make them the project's own.
    changed = [line[3:].removeprefix(prefix) for line in git("status", "--porcelain", "--", ".", cwd=root).splitlines()]
    conflicts = [path for path in changed if _has_conflict_markers(root / path)]
    return replace(result, changed=sorted(changed), conflicts=sorted(conflicts))


def _keep_deleted_files(root: Path) -> list[str]:
    """Bring back what the merge deleted (a file the old template made and the new one does
    not, which may hold the user's work): an update adds and changes, it never removes."""
    deleted = git("ls-files", "--deleted", "-z", "--", ".", cwd=root).split("\0")
    paths = [path for path in deleted if path]
    if paths:
        git("checkout", "HEAD", "--", *paths, cwd=root)
    return sorted(paths)


def _rehearse(root: Path, from_template: Path | None, report: Callable[[str], None]) -> UpdateResult:
    """``--dry-run``: the update made on a throwaway clone of the project's repository (its last
    commit, which is the project: the tree is clean), reported as what would change."""
    top = Path(git("rev-parse", "--show-toplevel", cwd=root).strip())
    prefix = git("rev-parse", "--show-prefix", cwd=root).strip()
    with staging_directory(Path(tempfile.gettempdir()) / _WORK) as work:
        clone = work / "rehearsal"
        git("clone", "-q", "--local", "--no-hardlinks", str(top), str(clone), cwd=work)
        result = update_project(clone / prefix, from_template=from_template, report=report)
    return replace(result, project=root, dry_run=True)


def _bundled_old(answers: dict[str, object], from_template: Path | None) -> tuple[str, Path]:
    """The hfscaffold version that made the project, and its template."""
    made_with = str(answers.get("hfscaffold_version", "unknown"))[:40]
    old = from_template or bundled_template(made_with)
    if old is None:
        raise UserError(
            f"the template of hfscaffold {made_with} is not bundled with hfscaffold {__version__}",
            hint="pass --from-template with that template (e.g. from a checkout of that version)",
        )
    return made_with, old


def _update_from_bundled(
    root: Path, answers: dict[str, object], from_template: Path | None, report: Callable[[str], None]
) -> UpdateResult:
    made_with, old = _bundled_old(answers, from_template)
    new = render.template_path("project")
    if old == new:
        return UpdateResult(root, made_with, __version__, up_to_date=True)

    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    data["hfscaffold_version"] = __version__
    data.setdefault("uv_version", uv_version())  # a project older than its package's build
    report(f"Merging the template of hfscaffold {made_with} -> {__version__} into the project")
    with staging_directory(Path(tempfile.gettempdir()) / _WORK) as work:
        repository = _template_repository(old, new, work)
        recorded = _merge(root, {**answers, "_src_path": str(repository), "_commit": "old"}, data, "new", work)
    # Record the bundled template again, never the scratch repository Copier saw.
    recorded.pop("_commit", None)
    recorded["_src_path"] = BUNDLED
    recorded["hfscaffold_version"] = __version__
    _write_answers(root / ANSWERS, recorded)
    return UpdateResult(root, made_with, __version__)


def _update_from_users_template(
    root: Path, answers: dict[str, object], recorded: str, place: Path | None, report: Callable[[str], None]
) -> UpdateResult:
    """Copier's own update from the user's template: from the version recorded (``_commit``) to
    the template's newest git tag. The template is read where it was recorded (a local folder
    relative to the project), or at ``place`` when it moved; none of its code runs."""
    source = str(place.absolute()) if place is not None else _template_place(recorded, root)
    old = answers.get("_commit")
    if not isinstance(old, str) or not old:
        raise UserError(
            f"{root / ANSWERS} records no template version (_commit): the template was not a git repository",
            hint="Copier updates from a template under git with a tag per version (`git tag v1`); tag it, then update",
        )
    report(f"Merging the template {recorded} ({old} -> its newest tag) into the project")
    with staging_directory(Path(tempfile.gettempdir()) / _WORK) as work:
        merged = _merge(root, {**answers, "_src_path": source}, {}, None, work)
    if merged.get("_commit") == old:
        return UpdateResult(root, old, old, up_to_date=True)
    merged["_src_path"] = recorded if place is None else render.source_to_record(source, root)
    _write_answers(root / ANSWERS, merged)
    return UpdateResult(root, old, str(merged.get("_commit", "?")))


def _merge(
    root: Path, answers: dict[str, object], data: dict[str, object], to_ref: str | None, work: Path
) -> dict[str, object]:
    """Copier's update with ``answers`` in place of the project's (they name the template's
    place and version): a scratch copy of the answers, ignored by git so that the tree stays
    clean for Copier's check. What Copier recorded is returned, for the caller to write."""
    scratch_name = _scratch_answers_name()
    scratch = root / scratch_name
    with _excluded(root, scratch_name):
        write_atomic(scratch, yaml.safe_dump(answers, sort_keys=True))
        try:
            with _temporary_files_in(work):
                render.update(root, data, answers_file=scratch_name, to_ref=to_ref)
            return read_answers(scratch)
        finally:
            scratch.unlink(missing_ok=True)


def _template_place(recorded: str, root: Path) -> str:
    """Where the recorded template is. The answers are the project's data, so a local place is
    followed only when it is relative to the project, and holds a Copier template under git (a
    URL is Copier's to clone); anything else takes ``--from-template``, which the user gives."""
    if render.is_url(recorded):
        return recorded
    hint = "pass --from-template with the template's folder"
    if Path(recorded).is_absolute() or recorded.startswith("~"):
        raise UserError(f"{ANSWERS} records the template {quoted(recorded)}, an absolute path: not followed", hint=hint)
    place = (root / recorded).resolve()
    if not place.is_dir() or not any((place / name).is_file() for name in ("copier.yml", "copier.yaml")):
        raise UserError(f"the project's template {quoted(recorded)} is not a Copier template here", hint=hint)
    if not (place / ".git").exists():
        raise UserError(
            f"the project's template {quoted(recorded)} is not a git repository: Copier updates from tagged versions",
            hint="tag the template's versions in git (`git tag v2`), then update",
        )
    return str(place)


def _write_answers(path: Path, answers: dict[str, object]) -> None:
    header = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n\n"
    write_atomic(path, header + yaml.safe_dump(answers, sort_keys=True, indent=4, default_flow_style=False))


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
