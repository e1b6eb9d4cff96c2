"""Input validated once per content: the result kept in the user's cache folder, by hash.

The schemas (pydantic) are the validators; importing them costs more than most commands take
to run. What a schema accepted is kept in the user's cache folder under the sha256 of the
input's bytes, this hfscaffold's version and the form's own version, so an edit, an upgrade or
a change of form is a miss, never a stale answer. A kept result that cannot be read back (cut
short, another form) is a miss too, and a cache folder that cannot be written only costs the
next run the validation again. Input the schema refuses raises its error and is never kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TypeVar

from hfscaffold import __version__

T = TypeVar("T")


def validated_once(
    kind: str,
    contents: Iterable[bytes],
    validate: Callable[[], T],
    *,
    dump: Callable[[T], bytes],
    load: Callable[[bytes, Path], T],
    form: int,
    schema: Iterable[Path] = (),
) -> T:
    """``load`` of what was kept for ``contents``, or ``validate()`` kept by ``dump``. The
    source files of the ``schema`` (and of the records it becomes) are part of the key, so a
    changed schema is a miss even where hfscaffold's version stays the same (a checkout)."""
    from hfscaffold.adapters.cache import user_cache

    key = hashlib.sha256(f"{__version__}\0{kind}\0{form}".encode())
    key.update(_digest_of(tuple((path, *_stamp(path)) for path in schema)))
    for content in contents:
        key.update(hashlib.sha256(content).digest())
    path = user_cache() / kind / key.hexdigest()
    try:
        return load(path.read_bytes(), path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        pass
    result = validate()
    try:
        from hfscaffold.adapters.fs import write_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, dump(result))
    except OSError:
        pass  # an unwritable cache: the next run validates again
    return result


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size


@cache
def _digest_of(files: tuple[tuple[Path, int, int], ...]) -> bytes:
    """The schema's source files (as of their modification time and size), read once while they
    stay so: status reads the settings of many projects."""
    key = hashlib.sha256()
    for path, _, _ in files:
        key.update(hashlib.sha256(path.read_bytes()).digest())
    return key.digest()
