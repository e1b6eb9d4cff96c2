"""Input validated once per content: the result kept in the user's cache folder, by hash.

The schemas (pydantic) are the validators; importing them costs more than most commands take
to run. What a schema accepted is kept in the user's cache folder under the sha256 of the
input's bytes, this hfscaffold's version and the form's own version, so an edit, an upgrade or
a change of form is a miss, never a stale answer. A kept result that cannot be read back (cut
short, another form) is a miss too, and a cache folder that cannot be written only costs the
next run the validation again. Input the schema refuses raises its error and is never kept.
hfscaffold's own files (its built-in rules) are keyed by their stamps instead, as Python keys
the bytecode of its modules.
"""

from __future__ import annotations

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
    import hashlib

    key = hashlib.sha256(f"{__version__}\0{kind}\0{form}".encode())
    key.update(_digest_of(tuple((path, *_stamp(path)) for path in schema)))
    for content in contents:
        key.update(hashlib.sha256(content).digest())
    return _kept(kind, key.hexdigest(), validate, dump=dump, load=load)


def validated_own_files(
    kind: str,
    files: Iterable[Path],
    validate: Callable[[], T],
    *,
    dump: Callable[[T], bytes],
    load: Callable[[bytes, Path], T],
    form: int,
) -> T:
    """``validated_once`` for hfscaffold's own files (its data and the modules of the schema),
    keyed as Python keys the bytecode of its modules: by each file's modification time and size.
    A file of the package is as trusted as its code, and the key needs no hashing: hashlib's
    import (OpenSSL) alone is a twentieth of a plain check."""
    stamps = "-".join(f"{modified:x}.{size:x}" for modified, size in map(_stamp, files))
    return _kept(kind, f"{__version__}-{form}-{stamps}", validate, dump=dump, load=load)


def _kept(
    kind: str, key: str, validate: Callable[[], T], *, dump: Callable[[T], bytes], load: Callable[[bytes, Path], T]
) -> T:
    from hfscaffold.adapters.cache import user_cache

    path = user_cache() / kind / key
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
    import hashlib

    key = hashlib.sha256()
    for path, _, _ in files:
        key.update(hashlib.sha256(path.read_bytes()).digest())
    return key.digest()
