"""What a lock leaves behind so that the next one, with nothing to do, can say so at once.

A lock that changes nothing still costs hfscaffold's part on top of uv's: the knowledge loaded,
uv.lock read, the matrix evaluated on every target. That part depends only on the project's
files, its rule files, the built-in knowledge and hfscaffold's own modules, so after each lock
a record keeps their digest, with what the lock steered: one small file per project in the
user's cache folder (a project's files cannot write it). A later lock whose inputs give the same
digest has the same matrix answer; whether uv.lock is current is still asked of uv each time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from hfscaffold import __version__
from hfscaffold.adapters.cache import user_cache
from hfscaffold.adapters.fs import PROJECT_FILES, write_atomic

RECORD_FORM = 1
_PACKAGE = Path(__file__).resolve().parents[1]


class LockRecord:
    """What a lock found, kept for the next. (A plain class, not a dataclass or NamedTuple: their
    imports are a fifth of a no-op lock's own time, see cli/_fast.py.)"""

    __slots__ = ("applied", "digest", "python", "rule_files")

    def __init__(
        self,
        digest: str,  # of the inputs, as inputs_digest gives it
        rule_files: tuple[str, ...],  # the project's own rule files, relative to it
        python: str | None,  # the interpreter given to uv, if any
        applied: Mapping[str, Mapping[str, str]],  # rule id -> the constraint the matrix keeps for it
    ) -> None:
        self.digest, self.rule_files, self.python, self.applied = digest, rule_files, python, applied


def inputs_digest(root: Path, rule_files: Sequence[str]) -> str | None:
    """The digest of everything the matrix's part of a lock of ``root`` depends on; None when a
    file is a link or cannot be read (such a project always takes the full path)."""
    digest = hashlib.sha256(f"{__version__}\0{RECORD_FORM}".encode())
    for module in sorted(_PACKAGE.glob("*.py")):  # a checkout's edits change the answer too
        status = module.stat()
        digest.update(f"{module.name}\0{status.st_mtime_ns}\0{status.st_size}\0".encode())
    for data in ("rules.toml", "mined.toml"):
        digest.update(_file_digest(_PACKAGE / "data" / data))
    for name in (*PROJECT_FILES, *rule_files):
        path = root / name
        if path.is_symlink():
            return None
        try:
            digest.update(f"{name}\0".encode() + _file_digest(path))
        except OSError:
            return None
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except FileNotFoundError:
        return b"absent"


def _record_path(root: Path) -> Path:
    return user_cache() / "locks" / (hashlib.sha256(str(root).encode()).hexdigest()[:32] + ".json")


def remember(root: Path, record: LockRecord) -> None:
    """Keep ``record`` for ``root`` (an absolute path); a cache that cannot be written costs the
    next lock the full path, nothing else."""
    body = {
        "form": RECORD_FORM, "root": str(root), "digest": record.digest, "rule_files": list(record.rule_files),
        "python": record.python, "applied": {rule: dict(option) for rule, option in record.applied.items()},
    }  # fmt: skip
    path = _record_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(body, sort_keys=True))
    except OSError:
        pass


def recall(root: Path) -> LockRecord | None:
    """The record kept for ``root``, or None (none, another form, or unreadable)."""
    try:
        body = json.loads(_record_path(root).read_bytes())
        if body["form"] != RECORD_FORM or body["root"] != str(root):
            return None
        rule_files = tuple(str(name) for name in body["rule_files"])
        applied = {str(rule): {str(k): str(v) for k, v in option.items()} for rule, option in body["applied"].items()}
        python = body["python"] if isinstance(body["python"], str) else None
        return LockRecord(digest=str(body["digest"]), rule_files=rule_files, python=python, applied=applied)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
