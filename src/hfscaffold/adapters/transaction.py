"""Several files of a project replaced as a unit, even across a kill -9, under the project's lock.

The journal that makes this work lives in the project folder, so it may come from a stranger: it
is only ever honoured when it names files of this project and their staged copies, exactly as
:class:`Transaction` writes them. Anything else refuses the whole journal, moving nothing.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hfscaffold.adapters.cache import user_cache
from hfscaffold.adapters.fs import checkpoint, fsync_dir, sweep_scratch, sweep_temp_files, write_atomic, write_new
from hfscaffold.errors import UserError

JOURNAL = ".hfscaffold-journal.json"
LOCK_FILE = ".hfscaffold.lock"
STAGED_SUFFIX = ".hfscaffold-new"
_JOURNAL_LIMIT = 64 * 1024  # a real journal names a few files


def staged_name(name: str) -> str:
    return f".{name}{STAGED_SUFFIX}"


class Transaction:
    """Replace several files of one folder as a unit.

    Each new file is first written beside its target (``.NAME.hfscaffold-new``, fsynced). Then a
    journal listing them is written atomically, the files are moved into place, and the journal
    is removed. If the process dies before the journal exists, :func:`recover` discards the staged
    files (the old set stays); once it exists, :func:`recover` finishes the moves (the new set).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.staged: dict[str, str] = {}  # target name -> staged name

    def stage(self, name: str, content: str | bytes) -> None:
        _check_plain_name(name)
        data = content.encode("utf-8") if isinstance(content, str) else content
        staged = staged_name(name)
        write_new(self.folder / staged, data, mode_from=self.folder / name)
        self.staged[name] = staged

    def commit(self) -> None:
        if not self.staged:
            return
        write_atomic(self.folder / JOURNAL, json.dumps(self.staged, indent=1))
        fsync_dir(self.folder)
        _roll_forward(self.folder, self.staged)


def _check_plain_name(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"{name!r} is not a file name")


def _roll_forward(folder: Path, staged: dict[str, str]) -> None:
    for name, staged_file in staged.items():
        if (folder / staged_file).exists():
            checkpoint()
            os.replace(folder / staged_file, folder / name)
    fsync_dir(folder)
    checkpoint()
    (folder / JOURNAL).unlink(missing_ok=True)


def _refuse(journal: Path, why: str) -> UserError:
    return UserError(
        f"{journal}: not a journal of an interrupted hfscaffold write ({why}); nothing was moved",
        hint="if no hfscaffold command was interrupted here, the file came with the project: delete it and rerun",
    )


def read_journal(folder: Path) -> dict[str, str]:
    """The journal's moves, each checked: a plain file name of ``folder`` and its staged copy."""
    journal = folder / JOURNAL
    info = os.lstat(journal)
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(journal, "it is not a regular file")
    if info.st_size > _JOURNAL_LIMIT:
        raise _refuse(journal, f"{info.st_size} bytes")
    try:
        entries = json.loads(journal.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError):  # written atomically: a real journal is always whole
        raise _refuse(journal, "not valid JSON") from None
    if not isinstance(entries, dict) or not entries:
        raise _refuse(journal, "not an object of file names")
    for name, staged in entries.items():
        try:
            _check_plain_name(name)
        except ValueError:
            raise _refuse(journal, f"{name[:80]!r} is not a file directly inside the project") from None
        if staged != staged_name(name):
            raise _refuse(journal, f"{str(staged)[:80]!r} is not the staged copy of {name!r}")
        path = folder / staged
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise _refuse(journal, f"{staged} is not a regular file")
    return dict(entries)


def pending(folder: Path) -> bool:
    """Whether an interrupted write left anything in ``folder`` to finish or discard; a journal
    that hfscaffold did not write is refused here already (UserError)."""
    journal = folder / JOURNAL
    if journal.is_symlink() or journal.exists():
        read_journal(folder)
        return True
    try:
        return any(path.is_symlink() or path.is_file() for path in folder.glob(f".*{STAGED_SUFFIX}"))
    except OSError:
        return False


def recover(folder: Path) -> str | None:
    """Finish or discard a write that was interrupted; say which, or None when there was none.

    The caller holds the project lock. A journal that does not name this folder's own staged
    files is refused (UserError) before anything moves.
    """
    journal = folder / JOURNAL
    outcome = None
    if journal.is_symlink() or journal.exists():
        staged = read_journal(folder)
        _roll_forward(folder, staged)
        outcome = "finished an interrupted write of " + ", ".join(sorted(staged))
    leftovers: list[Path] = []
    for path in folder.glob(f".*{STAGED_SUFFIX}"):
        if path.is_symlink() or path.is_file():
            path.unlink()
            leftovers.append(path)
    leftovers += sweep(folder)
    if leftovers and outcome is None:
        outcome = "discarded an interrupted write; the previous files are intact"
    return outcome


def sweep(folder: Path) -> list[Path]:
    """What killed runs left that needs no lock to remove: their temporary files in ``folder`` and
    their scratch folders beside it (see fs.staging_directory). Best effort: a read-only place
    keeps them."""
    return (
        sweep_temp_files(folder)
        + sweep_scratch(folder.parent, folder.name)
        + sweep_scratch(user_cache() / "scratch", folder.name)
    )


@contextmanager
def project_lock(project: Path, *, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the project's file lock: hfscaffold commands on one project run one at a time.

    The lock file is never created outside a project, nor opened through a link.
    """
    from filelock import FileLock, Timeout

    if not (project / "pyproject.toml").is_file():
        raise UserError(f"{project} has no pyproject.toml", hint="run this in a project folder, or pass --project DIR")
    path = project / LOCK_FILE
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UserError(
            f"{path} is not a regular file: refused", hint=f"it came with the project: delete {LOCK_FILE} and rerun"
        )
    pending(project)  # a journal that came with the project is refused before anything is written
    lock = FileLock(path)
    try:
        lock.acquire(timeout=1)
    except Timeout:
        if on_wait:
            on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
