"""git, run as a subprocess with argument lists; its absence is an answer, not a crash."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hfscaffold.adapters.process import run_process
from hfscaffold.errors import ExternalError

# A repository's own configuration can name programs for git to run (core.fsmonitor, hooks):
# a cloned or unpacked project is a stranger's, so git runs here with those turned off.
_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")


def git(*args: str, cwd: Path) -> str:
    """Run ``git ARGS`` in ``cwd``: its standard output, or an ExternalError with git's reason."""
    try:
        completed = run_process(["git", *_SAFE, *args], cwd=cwd, text=True)
    except OSError as exc:
        raise ExternalError(f"git is needed for this: {exc}", hint="install git") from None
    if completed.returncode != 0:
        raise ExternalError(f"git {args[0]} failed: {completed.stderr.strip() or completed.stdout.strip()}")
    return str(completed.stdout)


def tracks_anything_under(root: Path, relative: str) -> bool:
    """Whether the git repository ``root`` is in tracks files below ``relative`` (False when
    ``root`` is no repository, or git is not installed)."""
    try:
        completed = run_process(["git", *_SAFE, "ls-files", "-z", "--", relative], cwd=root, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0 and bool(completed.stdout.strip(b"\0"))


def inside_repository(folder: Path) -> bool:
    """Whether ``folder`` is inside a git work tree (False when git is not installed)."""
    try:
        completed = run_process(
            ["git", *_SAFE, "rev-parse", "--is-inside-work-tree"], cwd=folder, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0 and completed.stdout.strip() == "true"


def first_commit(folder: Path, message: str) -> bool:
    """``git init`` in ``folder`` and commit everything not ignored; True when the commit was
    made as the user's configured identity, False when git has none and hfscaffold's was used."""
    git("init", "-q", cwd=folder)
    try:
        git("var", "GIT_COMMITTER_IDENT", cwd=folder)
        identity: tuple[str, ...] = ()
    except ExternalError:
        identity = ("-c", "user.name=hfscaffold", "-c", "user.email=hfscaffold@localhost")
    git("add", "-A", cwd=folder)
    git(*identity, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message, cwd=folder)
    return not identity
