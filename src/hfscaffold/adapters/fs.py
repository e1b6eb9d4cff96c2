"""Filesystem writes that never leave a user's file half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, then replace ``path`` with it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, tmp_name)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


@contextmanager
def staging_directory(dest: Path) -> Iterator[Path]:
    """A scratch folder beside ``dest`` (same filesystem, so it can be renamed into place).

    Removed on the way out whatever happens; the caller moves it to ``dest`` on success.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.hfscaffold-", dir=dest.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the project gets the usual mode
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# What uv needs to lock a project: copied to a scratch folder, where uv may write freely.
PROJECT_FILES = ("pyproject.toml", "uv.lock", ".python-version", "README.md")


def copy_project_files(source: Path, scratch: Path) -> None:
    for name in PROJECT_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, scratch / name)


def publish_directory(staging: Path, dest: Path) -> None:
    """Move a finished staging folder to ``dest``, which must be absent or an empty folder."""
    if dest.is_dir():
        dest.rmdir()  # empty by contract; rmdir refuses anything else
    os.replace(staging, dest)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


JOURNAL = ".hfscaffold-journal.json"
_STAGED_SUFFIX = ".hfscaffold-new"


class Transaction:
    """Replace several files of one folder as a unit, even across a kill -9.

    Each new file is first written beside its target (``.NAME.hfscaffold-new``, fsynced). Then a
    journal listing them is written atomically, the files are moved into place, and the journal
    is removed. If the process dies before the journal exists, :func:`recover` discards the staged
    files (the old set stays); once it exists, :func:`recover` finishes the moves (the new set).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.staged: dict[str, str] = {}  # target name -> staged name

    def stage(self, name: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        staged = f".{name}{_STAGED_SUFFIX}"
        path = self.folder / staged
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if (self.folder / name).exists():
            shutil.copymode(self.folder / name, path)
        self.staged[name] = staged

    def commit(self) -> None:
        if not self.staged:
            return
        import json

        write_atomic(self.folder / JOURNAL, json.dumps(self.staged, indent=1))
        _fsync_dir(self.folder)
        _roll_forward(self.folder, self.staged)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _roll_forward(folder: Path, staged: dict[str, str]) -> None:
    for name, staged_name in staged.items():
        if (folder / staged_name).exists():
            os.replace(folder / staged_name, folder / name)
    _fsync_dir(folder)
    (folder / JOURNAL).unlink(missing_ok=True)


def recover(folder: Path) -> str | None:
    """Finish or discard a write that was interrupted; say which, or None when there was none."""
    import json

    journal = folder / JOURNAL
    outcome = None
    if journal.exists():
        try:
            staged = json.loads(journal.read_text(encoding="utf-8"))
        except ValueError:  # the journal itself was being written: nothing was moved yet
            staged = None
        if isinstance(staged, dict):
            _roll_forward(folder, {str(k): str(v) for k, v in staged.items()})
            outcome = "finished an interrupted write of " + ", ".join(sorted(staged))
        journal.unlink(missing_ok=True)
    leftovers = [p for p in folder.glob(f".*{_STAGED_SUFFIX}")] + list(folder.glob(f".{JOURNAL}.*.tmp"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    # Scratch folders of a killed run (see staging_directory); the caller holds the project lock.
    for scratch in folder.parent.glob(f".{folder.name}.hfscaffold-*"):
        if scratch.is_dir():
            shutil.rmtree(scratch, ignore_errors=True)
            leftovers.append(scratch)
    if leftovers and outcome is None:
        outcome = "discarded an interrupted write; the previous files are intact"
    return outcome


@contextmanager
def project_lock(project: Path, *, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the project's file lock: hfscaffold commands on one project run one at a time."""
    from filelock import FileLock, Timeout

    lock = FileLock(project / ".hfscaffold.lock")
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
