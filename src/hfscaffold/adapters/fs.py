"""Filesystem writes that never leave a user's file half-written, and never go through a link.

Every file in a project folder may come from a stranger (a cloned repository, a template), so
writes here replace a path rather than open it (a link in the way is replaced, never followed),
and scratch folders carry the id of the process that made them: only a dead process's scratch is
ever removed by another run.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hfscaffold.adapters.cache import user_cache
from hfscaffold.errors import UserError

# A test hook for fault injection: the process kills itself at the Nth filesystem step, as a
# kill -9 would, so that every interruption point is tried deterministically.
_KILL_AT_STEP = "HFSCAFFOLD_TEST_KILL_AT_STEP"
_steps_taken = 0


def checkpoint() -> None:
    """One filesystem step: a point where a real kill could land."""
    global _steps_taken
    wanted = os.environ.get(_KILL_AT_STEP, "")
    if not wanted.isdigit():
        return
    _steps_taken += 1
    if _steps_taken == int(wanted):
        os._exit(137)


_OWNED = re.compile(r"\.hfscaffold-(\d+)-[^/]*$")


def _owner_tag() -> str:
    return f".hfscaffold-{os.getpid()}-"


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this one, or another user's, counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or no pid at all: not ours to judge
    return True


def _owner_alive(name: str) -> bool:
    """Whether the process named in a scratch or temp file's name still runs."""
    match = _OWNED.search(name)
    return True if match is None else process_alive(int(match.group(1)))


def _mode_of(path: Path) -> int | None:
    """The permission bits of a regular file at ``path`` (links are not followed), or None."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, then replace ``path`` with it.

    A link at ``path`` is replaced by the file, never written through.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    checkpoint()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}{_owner_tag()}", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            mode = _mode_of(path)
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            else:
                os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
        checkpoint()
        os.replace(tmp_name, path)
        checkpoint()
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_new(path: Path, data: bytes, *, mode_from: Path | None = None) -> None:
    """Create ``path`` afresh with ``data`` (fsynced): whatever was there, a link included, is
    removed first, and the file is opened so that a link raced into its place is not followed."""
    checkpoint()
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        raise UserError(
            f"{path} is in the way and is not a file: refused",
            hint=f"it came with the project: remove {path.name} and rerun",
        )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        mode = _mode_of(mode_from) if mode_from is not None else None
        if mode is not None:
            os.fchmod(handle.fileno(), mode)
        os.fsync(handle.fileno())
    checkpoint()


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _make_scratch(parent: Path, name: str) -> Path:
    checkpoint()
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}{_owner_tag()}", dir=parent))
    scratch.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the project gets the usual mode
    return scratch


@contextmanager
def staging_directory(dest: Path) -> Iterator[Path]:
    """A scratch folder beside ``dest`` (same filesystem, so it can be renamed into place).

    Its name carries this process's id (see :func:`sweep_scratch`); it is removed on the way out
    whatever happens, and the caller moves it to ``dest`` on success.
    """
    staging = _make_scratch(dest.parent, dest.name)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def scratch_directory(beside: Path) -> Iterator[Path]:
    """A scratch folder beside ``beside`` (where relative paths in a project still resolve), or in
    the system's temporary folder when that is read-only: read-only commands work on read-only
    projects."""
    try:
        scratch = _make_scratch(beside.parent, beside.name)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        # The user's own cache folder, not the shared temporary one: uv looks for configuration
        # and workspaces in the folders above, which another user could write there.
        fallback = user_cache() / "scratch"
        fallback.mkdir(parents=True, exist_ok=True)
        scratch = _make_scratch(fallback, beside.name)
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def user_scratch(name: str) -> Iterator[Path]:
    """A scratch folder in the user's cache folder, for work about no project's files (a
    requirements file's resolution, packages fetched to be read)."""
    cache = user_cache()
    cache.mkdir(parents=True, exist_ok=True)
    with scratch_directory(cache / name) as scratch:
        yield scratch


def sweep_scratch(parent: Path, name: str) -> list[Path]:
    """Remove what killed runs left beside ``parent/name`` (their scratch folders); a running
    process's scratch, and anything that is not a real folder of this user, is left alone."""
    removed: list[Path] = []
    try:
        candidates = list(parent.glob(f".{glob_escape(name)}.hfscaffold-*"))
    except OSError:
        return removed
    for path in candidates:
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or _owner_alive(path.name):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def sweep_temp_files(folder: Path) -> list[Path]:
    """Remove the temporary files of :func:`write_atomic` that killed runs left in ``folder``."""
    removed: list[Path] = []
    try:
        candidates = list(folder.glob(".*.hfscaffold-*.tmp"))
    except OSError:
        return removed
    for path in candidates:
        if _owner_alive(path.name) or not (path.is_symlink() or path.is_file()):
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


PROJECT_FILES = ("pyproject.toml", "uv.lock", ".python-version", "README.md")


def copy_project_files(source: Path, scratch: Path) -> None:
    """What uv needs to lock a project, copied to a scratch folder where uv may write freely."""
    for name in PROJECT_FILES:
        path = source / name
        if path.is_symlink() and link_escape(path, source) is not None:
            continue  # never read outside the project
        if path.is_file():
            shutil.copyfile(path, scratch / name)


def publish_directory(staging: Path, dest: Path) -> None:
    """Move a finished staging folder to ``dest``, which must be absent or an empty folder."""
    checkpoint()
    if dest.is_dir() and not dest.is_symlink():
        dest.rmdir()  # empty by contract; rmdir refuses anything else
    os.replace(staging, dest)
    checkpoint()


def is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def make_parents(folder: Path) -> list[Path]:
    """Create the missing parents of ``folder``; return those created, outermost first."""
    missing: list[Path] = []
    parent = folder.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    missing.reverse()
    for path in missing:
        checkpoint()
        path.mkdir()
    return missing


def remove_created(folders: list[Path]) -> None:
    """Undo :func:`make_parents`: remove the folders it made, innermost first, if still empty."""
    for path in reversed(folders):
        try:
            path.rmdir()
        except OSError:
            break


def real(path: Path) -> Path:
    """``path`` with every link followed, as far as they lead: a loop or a dangling link stops the
    walk rather than raising (``Path.resolve`` raises on a loop before Python 3.13)."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or below it, both taken as they are (resolve them first)."""
    return path == folder or folder in path.parents


def link_escape(link: Path, root: Path) -> str | None:
    """Where ``link`` points when that is outside ``root`` (or nowhere), else None."""
    target = os.readlink(link)
    resolved = real(link.parent / target)
    if not resolved.exists():
        return f"{target} (which does not exist, or loops)"
    if not is_inside(resolved, real(root)):
        return target
    return None


def refuse_outside_links(root: Path, names: tuple[str, ...]) -> None:
    """Refuse a project whose own files (``names``) are links that lead outside it."""
    for name in names:
        path = root / name
        if path.is_symlink():
            escape = link_escape(path, root)
            if escape is not None:
                raise UserError(
                    f"{path} is a link to {escape}, outside the project: refused",
                    hint="replace the link with the file itself; hfscaffold reads and writes only inside the project",
                )
