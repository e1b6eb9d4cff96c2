"""An installed environment read from its files: each distribution's RECORD names its modules,
and their source is read (never imported) into facts, cached per distribution in the user cache
folder so a second deep check is fast."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from hfscaffold.adapters.cache import user_cache
from hfscaffold.adapters.fs import write_atomic
from hfscaffold.api import ModuleFacts, Need, Signature, read_module, resolve
from hfscaffold.deep import Installed, Kind, Module

_POOL_FROM = 4  # distributions to read before a process pool pays for its start
_MAX_SOURCE = 4_000_000  # bytes of one module read; generated giants are open
_CACHE_FORMAT = 7
_KINDS: dict[str, Kind] = {"py": "source", "pyi": "stub", "so": "compiled", "pyd": "compiled"}


def read_site(folders: Iterable[Path], *, cache: bool = True) -> list[Installed]:
    """The distributions installed in ``folders`` (site-packages), with their modules' facts.
    Distributions not in the cache are read on every core: parsing is the deep check's cost."""
    infos = [(folder, info) for folder in folders if folder.is_dir() for info in sorted(folder.glob("*.dist-info"))]
    found: list[Installed] = []
    seen: set[str] = set()
    for dist in _read_all(infos, cache=cache):
        if dist is not None and dist.name not in seen:
            seen.add(dist.name)
            found.append(dist)
    return found


def _read_all(infos: list[tuple[Path, Path]], *, cache: bool) -> list[Installed | None]:
    read = [_read_distribution(site, info, cache=cache, cached_only=True) for site, info in infos]
    missing = [i for i, dist in enumerate(read) if dist is None]
    workers = min(os.cpu_count() or 1, len(missing))
    if workers > 1 and len(missing) >= _POOL_FROM:
        # Workers start from a fork server, never by forking this process: a caller may have
        # threads waiting on uv (an upgrade's probes), and a fork copies their held locks.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {i: pool.submit(_read_distribution, *infos[i], cache=cache) for i in missing}
            for i, future in futures.items():
                read[i] = future.result()
    else:
        for i in missing:
            read[i] = _read_distribution(*infos[i], cache=cache)
    return read


def _read_distribution(site: Path, info: Path, *, cache: bool, cached_only: bool = False) -> Installed | None:
    """One distribution, from the cache when it holds it (``cached_only``: None otherwise)."""
    try:
        metadata = HeaderParser().parsestr((info / "METADATA").read_text(encoding="utf-8", errors="replace"))
        record = (info / "RECORD").read_bytes()
    except OSError:
        return None
    name, version = metadata.get("Name"), metadata.get("Version")
    if not name or not version:
        return None
    modules = _modules(record.decode("utf-8", errors="replace"))
    requires = tuple(metadata.get_all("Requires-Dist") or ())
    key = _key(site, record, modules)
    cached = _load_cache(name, version, key) if cache else None
    if cached is None and cached_only:
        return None
    if cached is None:
        tops = frozenset(m.split(".")[0] for m in modules)
        cached = {
            module.name: _read_facts(site, module, tops) for module in modules.values() if module.kind == "source"
        }
        if cache:
            _save_cache(name, version, key, cached)
    return Installed(name=name, version=version, modules=modules, facts=resolved(modules, cached), requires=requires)


def resolved(modules: dict[str, Module], facts: dict[str, ModuleFacts]) -> dict[str, ModuleFacts]:
    """Facts as read (and cached) per module, with the references between them filled in."""
    return resolve(facts, {m.name for m in modules.values() if m.path.endswith("__init__.py")})


def _key(site: Path, record: bytes, modules: dict[str, Module]) -> str:
    """What the cached facts hold for: the RECORD and each source file's size and time, so a
    file changed in place (an editable install, a hand patch) is read again."""
    digest = hashlib.sha256(record)
    for module in sorted(modules.values(), key=lambda m: m.path):
        if module.kind == "source":
            try:
                stat = (site / module.path).stat()
            except OSError:
                continue
            digest.update(f"{module.path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def _modules(record: str) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for row in csv.reader(io.StringIO(record)):
        if not row:
            continue
        path = row[0].replace("\\", "/")
        if path.startswith(("../", "/")) or ".dist-info/" in path or ".data/" in path:
            continue
        stem, dot, suffix = path.rpartition(".")
        kind = _KINDS.get(suffix)
        if not dot or kind is None:
            continue
        parts = stem.split("/")
        parts[-1] = parts[-1].split(".")[0]  # extension modules: name.cpython-311-x86_64-linux-gnu
        if parts[-1] == "__init__":
            parts.pop()
        if not parts or not all(part.isidentifier() for part in parts):
            continue
        name = ".".join(parts)
        existing = modules.get(name)
        if existing is None or existing.kind in ("stub", "compiled", "namespace"):  # source wins
            modules[name] = Module(name=name, path=path, kind=kind)
    for name in list(modules):  # a folder without __init__ is a namespace package (PEP 420)
        parts = name.split(".")
        for cut in range(1, len(parts)):
            parent = ".".join(parts[:cut])
            if parent not in modules:
                modules[parent] = Module(name=parent, path="/".join(parts[:cut]), kind="namespace")
    return modules


def _read_facts(site: Path, module: Module, tops: frozenset[str]) -> ModuleFacts:
    path = site / module.path
    try:
        if path.is_symlink() or path.stat().st_size > _MAX_SOURCE:
            return ModuleFacts(frozenset(), True, (), ())
        source = path.read_bytes()
    except OSError:
        return ModuleFacts(frozenset(), True, (), ())
    text = source.decode("utf-8", errors="replace")
    return read_module(text, module=module.name, is_package=module.path.endswith("__init__.py"), own=tops)


def dump_installed(dist: Installed) -> dict[str, object]:
    """A distribution's modules and facts as JSON data (see ``load_installed``)."""
    return {
        "format": _CACHE_FORMAT, "name": dist.name, "version": dist.version, "requires": list(dist.requires),
        "files": {m.name: [m.path, m.kind] for m in dist.modules.values()},
        "modules": _dump_facts(dict(dist.facts)),
    }  # fmt: skip


def load_installed(data: Any) -> Installed | None:
    """What ``dump_installed`` wrote, or None for data of another format."""
    try:
        if data.get("format") != _CACHE_FORMAT:
            return None
        files = data["files"]
        modules = {name: Module(name=name, path=path, kind=kind) for name, (path, kind) in files.items()}
        facts = resolved(modules, _load_facts(data["modules"]))
        requires = tuple(data.get("requires", ()))
        return Installed(str(data["name"]), str(data["version"]), modules, facts, requires)
    except (KeyError, TypeError, ValueError):
        return None


def _cache_file(name: str, version: str, key: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in f"{name}-{version}-{key}")
    return user_cache() / "deep" / f"{safe}.json"


def _load_cache(name: str, version: str, key: str) -> dict[str, ModuleFacts] | None:
    try:
        data = json.loads(_cache_file(name, version, key).read_text(encoding="utf-8"))
        if data.get("format") != _CACHE_FORMAT:
            return None
        return _load_facts(data["modules"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no cache, or one from another format: read the sources again


def _load_facts(modules: Any) -> dict[str, ModuleFacts]:
    return {
        module: ModuleFacts(
            names=frozenset(entry["names"]),
            open=bool(entry["open"]),
            needs=tuple(Need(*need) for need in entry["needs"]),
            own_imports=tuple(entry["own"]),
            exports=frozenset(entry["exports"]) if entry.get("exports") is not None else None,
            refers=tuple(entry.get("refers", ())),
            signatures={name: Signature(kind, frozenset(words)) for name, (kind, words) in entry["signatures"].items()},
            origins=dict(entry["origins"]),
        )
        for module, entry in modules.items()
    }


def _dump_facts(facts: dict[str, ModuleFacts]) -> dict[str, object]:
    return {
        module: {
            "names": sorted(f.names), "open": f.open, "own": list(f.own_imports),
            "needs": [_dump_need(n) for n in f.needs],
            "exports": sorted(f.exports) if f.exports is not None else None, "refers": list(f.refers),
            "signatures": {name: [sig.kind, sorted(sig.keywords)] for name, sig in f.signatures.items()},
            "origins": dict(f.origins),
        }
        for module, f in facts.items()
    }  # fmt: skip


def _dump_need(need: Need) -> list[object]:
    """A need as a short list: its optional tail only where set, to keep the caches small."""
    row: list[object] = [need.line, need.module, need.name, need.when, need.guarded]
    if need.attribute or need.keyword is not None:
        row += [need.attribute, *([need.keyword] if need.keyword is not None else [])]
    return row


def _save_cache(name: str, version: str, key: str, facts: dict[str, ModuleFacts]) -> None:
    data = {"format": _CACHE_FORMAT, "modules": _dump_facts(facts)}
    path = _cache_file(name, version, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data))
    except OSError:
        pass  # a cache that cannot be written only costs time
