"""``hfscaffold update``: bring a project to the current template, keeping its answers and the
user's edits (Copier's update: a three-way merge, conflicts shown inline), then lock again.

Copier updates from a git repository of the template with one tag per version. hfscaffold ships
its template inside the wheel, so the update assembles that repository on the fly from two
snapshots: the template the project was made with (bundled in ``templates/history/VERSION``, or
given with ``--from-template``) and the current one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml  # type: ignore[import-untyped, unused-ignore]

from hfscaffold import __version__
from hfscaffold.adapters import render
from hfscaffold.adapters.fs import write_atomic
from hfscaffold.errors import ExternalError, FindingsError, UserError

ANSWERS = ".copier-answers.yml"
BUNDLED = "hfscaffold:project"
SCRATCH_ANSWERS = ".hfscaffold-update-answers.yml"


@dataclass(frozen=True)
class UpdateResult:
    project: Path
    from_version: str
    to_version: str
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    up_to_date: bool = False


def _git(*args: str, cwd: Path) -> str:
    try:
        completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ExternalError(f"git is needed to update a project: {exc}", hint="install git") from None
    if completed.returncode != 0:
        raise ExternalError(f"git {args[0]} failed: {completed.stderr.strip() or completed.stdout.strip()}")
    return completed.stdout


def _template_repository(old: Path, new: Path, work: Path) -> Path:
    """A git repository with the old template tagged ``old`` and the current one tagged ``new``."""
    repo = work / "template"
    repo.mkdir()
    identity = ("-c", "user.name=hfscaffold", "-c", "user.email=hfscaffold@localhost", "-c", "commit.gpgsign=false")
    _git("init", "-q", cwd=repo)
    for tag, source in (("old", old), ("new", new)):
        for entry in repo.iterdir():
            if entry.name != ".git":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        shutil.copytree(source, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        _git("add", "-A", cwd=repo)
        _git(*identity, "commit", "-q", "--allow-empty", "-m", f"template {tag}", cwd=repo)
        _git("tag", tag, cwd=repo)
    return repo


def bundled_template(version: str) -> Path | None:
    """The template a given hfscaffold version rendered, if this installation carries it."""
    if version == __version__:
        return render.template_path("project")
    history = render.template_path("project").parent / "history" / version
    return history if history.is_dir() else None


def update_project(
    root: Path, *, from_template: Path | None = None, report: Callable[[str], None] = lambda _: None
) -> UpdateResult:
    import copier  # lazy: only update renders

    root = root.absolute()
    answers_file = root / ANSWERS
    if not answers_file.is_file():
        raise UserError(f"{root} has no {ANSWERS}", hint="update works on projects made by `hfscaffold new`")
    try:
        answers = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{answers_file}: not valid YAML: {exc}", hint="restore it from version control") from None
    made_with = str(answers.get("hfscaffold_version", "unknown"))
    old = from_template or bundled_template(made_with)
    if old is None:
        raise UserError(
            f"the template of hfscaffold {made_with} is not bundled with hfscaffold {__version__}",
            hint="pass --from-template with that template (e.g. from a checkout of that version)",
        )
    new = render.template_path("project")
    if old == new:
        return UpdateResult(root, made_with, __version__, up_to_date=True)
    if _git("status", "--porcelain", cwd=root).strip():
        raise UserError(f"{root} has uncommitted changes", hint="commit or stash them: the update is a merge, and git keeps your version safe")

    with tempfile.TemporaryDirectory(prefix="hfscaffold-update-") as work:
        repository = _template_repository(old, new, Path(work))
        data = {key: value for key, value in answers.items() if not key.startswith("_")}
        data["hfscaffold_version"] = __version__
        # Copier reads the old version from the answers; point a scratch copy of them (ignored by
        # git, so the tree stays clean for Copier's check) at the assembled repository.
        scratch = root / SCRATCH_ANSWERS
        write_atomic(scratch, yaml.safe_dump({**answers, "_src_path": str(repository), "_commit": "old"}, sort_keys=True))
        exclude = root / ".git" / "info" / "exclude"
        excluded_before = exclude.read_text(encoding="utf-8") if exclude.is_file() else None
        exclude.parent.mkdir(parents=True, exist_ok=True)
        exclude.write_text((excluded_before or "") + f"\n/{SCRATCH_ANSWERS}\n", encoding="utf-8")
        try:
            report(f"Merging the template of hfscaffold {made_with} -> {__version__} into the project")
            copier.run_update(
                str(root), data=data, answers_file=SCRATCH_ANSWERS, vcs_ref="new", defaults=True, overwrite=True,
                skip_answered=True, conflict="inline", unsafe=False, quiet=True, skip_tasks=True,
            )  # fmt: skip
            recorded = yaml.safe_load(scratch.read_text(encoding="utf-8")) or {}
        except copier.errors.CopierError as exc:
            raise ExternalError(f"copier could not update the project: {exc}") from exc
        finally:
            scratch.unlink(missing_ok=True)
            if excluded_before is None:
                exclude.unlink(missing_ok=True)
            else:
                exclude.write_text(excluded_before, encoding="utf-8")
    # Record the bundled template again, never the scratch repository Copier saw.
    recorded.pop("_commit", None)
    recorded["_src_path"] = BUNDLED
    recorded["hfscaffold_version"] = __version__
    header = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n\n"
    write_atomic(answers_file, header + yaml.safe_dump(recorded, sort_keys=True, indent=4, default_flow_style=False))

    changed = [line[3:] for line in _git("status", "--porcelain", cwd=root).splitlines()]
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
