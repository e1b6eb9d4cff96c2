"""Filesystem writes that never leave a user's file half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
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
