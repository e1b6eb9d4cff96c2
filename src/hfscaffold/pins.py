"""Pin sets: which version of each package a lock file, a requirements file or an environment holds."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from hfscaffold.errors import UserError, quoted
from hfscaffold.naming import canonical_name
from hfscaffold.requirements import IncludeReader, RequirementsFile, parse_requirements
from hfscaffold.targets import Target, universe


@dataclass(frozen=True)
class PinSet:
    """Package name -> the versions pinned (a universal lock may hold several of one package).

    ``python``, ``platform`` and ``machine`` say which target the set is installed on, where that
    is known (an environment; a requirements file read for a target). A universal lock knows
    what each of its targets installs: ``targets`` has one set per target.
    """

    packages: Mapping[str, tuple[Version, ...]]
    source: str
    python: Version | None = None
    platform: str | None = None
    kind: str = "requirements"
    extra: Mapping[str, object] = field(default_factory=dict)
    machine: str | None = None
    # requirements: the marker a pin is conditioned on (name -> version -> marker)
    markers: Mapping[str, Mapping[Version, str]] = field(default_factory=dict)
    expand: Callable[[], tuple[PinSet, ...]] | None = field(default=None, compare=False, repr=False)
    origin: RequirementsFile | None = field(default=None, compare=False, repr=False)  # a requirements file as read

    @property
    def target(self) -> Target:
        return Target(platform=self.platform, machine=self.machine, python=self.python)

    @cached_property
    def targets(self) -> tuple[PinSet, ...]:
        """What each target of a universal lock installs (empty when the set is one target's)."""
        return self.expand() if self.expand is not None else ()

    def on(self, target: Target) -> PinSet:
        """The pins ``target`` installs: those whose marker holds there."""
        packages = {
            name: kept
            for name, versions in self.packages.items()
            if (kept := tuple(v for v in versions if target.satisfies(self.markers.get(name, {}).get(v))))
        }
        return PinSet(
            packages, self.source, python=target.python, platform=target.platform, machine=target.machine,
            kind=self.kind, extra=self.extra, origin=self.origin,
        )  # fmt: skip

    def versions(self, name: str) -> tuple[Version, ...]:
        return self.packages.get(canonical_name(name), ())

    def version(self, name: str) -> Version | None:
        found = self.versions(name)
        return found[-1] if found else None

    def __len__(self) -> int:
        return len(self.packages)

    def as_strings(self) -> dict[str, str]:
        return {name: str(versions[-1]) for name, versions in sorted(self.packages.items())}


def _version(value: object, *, source: str, where: str) -> Version:
    try:
        return Version(str(value))
    except (InvalidVersion, ValueError):  # ValueError: a release number of thousands of digits
        raise UserError(
            f"{source}: {where}: {quoted(value)} is not a valid version", hint="fix or regenerate the file"
        ) from None


def _toml_document(text: str, source: str) -> dict[str, object]:
    from hfscaffold import _toml  # a requirements file needs no TOML parser

    return _toml.parse(text, source=source, hint="fix the file, or regenerate it")


def _collect(entries: object, *, source: str, key: str) -> dict[str, tuple[Version, ...]]:
    if not isinstance(entries, list):
        raise UserError(f"{source}: [[{key}]] is missing or not an array of tables", hint="regenerate the lock")
    versions: dict[str, set[Version]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise UserError(f"{source}: {key}[{index}] has no name", hint="regenerate the lock")
        if "version" not in entry:  # the project itself, or a source tree without a version
            continue
        name = canonical_name(entry["name"])
        versions.setdefault(name, set()).add(
            _version(entry["version"], source=source, where=f"{key}[{index}] ({name})")
        )
    return {name: tuple(sorted(found)) for name, found in sorted(versions.items())}


def read_uv_lock(text: str, *, source: str = "uv.lock") -> PinSet:
    data = _toml_document(text, source)
    if "version" not in data or "package" not in data:
        raise UserError(f"{source}: not a uv.lock (no `version` and [[package]])", hint="regenerate it with `uv lock`")
    packages = _collect(data["package"], source=source, key="package")
    entries: list[Any] = data["package"]  # type: ignore[assignment]  # a list: _collect checked it

    def expand() -> tuple[PinSet, ...]:
        from hfscaffold.installs import uv_lock_installs, uv_lock_roots

        if not uv_lock_roots(entries):
            return ()
        supported = _strings(data.get("supported-markers"))
        return tuple(
            _targeted(uv_lock_installs(entries, target), source, target, "uv.lock")
            for target in universe(_string(data.get("requires-python")), supported)
        )

    return PinSet(packages, source, kind="uv.lock", expand=expand)


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _targeted(installed: Mapping[str, tuple[Version, ...]], source: str, target: Target, kind: str) -> PinSet:
    return PinSet(installed, source, python=target.python, platform=target.platform, machine=target.machine, kind=kind)


def read_pylock(text: str, *, source: str = "pylock.toml") -> PinSet:
    """PEP 751 lock files (``pylock.toml``, ``pylock.NAME.toml``)."""
    data = _toml_document(text, source)
    if "lock-version" not in data:
        raise UserError(
            f"{source}: not a pylock.toml (no `lock-version`)",
            hint="see PEP 751; `uv export --format pylock.toml` writes one",
        )
    packages = _collect(data.get("packages", []), source=source, key="packages")
    entries: list[Any] = data.get("packages", [])  # type: ignore[assignment]
    groups = _strings(data.get("default-groups"))
    environments = _strings(data.get("environments"))

    def expand() -> tuple[PinSet, ...]:
        from hfscaffold.installs import pylock_installs

        return tuple(
            _targeted(pylock_installs(entries, target, groups=groups), source, target, "pylock.toml")
            for target in universe(_string(data.get("requires-python")), environments)
        )

    return PinSet(packages, source, kind="pylock.toml", expand=expand)


def read_requirements(text: str, *, source: str = "requirements.txt", include: IncludeReader | None = None) -> PinSet:
    """The exact pins of a requirements file (``name==version``, and wheel URLs, whose file name
    holds the version), as pip freeze and pip-compile write them; the file as read, with its
    other requirements and the lines not evaluated, is the set's ``origin``."""
    origin = parse_requirements(text, source=source, include=include)
    pins: dict[str, dict[Version, tuple[str, str | None]]] = {}  # name -> version -> (where, its marker)
    for line in origin.exact:
        assert line.version is not None
        pins.setdefault(line.name, {}).setdefault(line.version, (line.where, line.marker))
    versions: dict[str, tuple[Version, ...]] = {}
    markers: dict[str, dict[Version, str]] = {}
    for name, found in sorted(pins.items()):
        for version, (_, marker) in found.items():
            if marker is not None:
                markers.setdefault(name, {})[version] = marker
        unconditional = [(where, version) for version, (where, marker) in found.items() if marker is None]
        if len(unconditional) > 1:
            (first, a), (second, b) = sorted(unconditional)[:2]
            raise UserError(
                f"{name} is pinned twice, to {a} ({first}) and to {b} ({second}): pip refuses such a file",
                hint="keep one pin of each package",
            )
        versions[name] = tuple(sorted(found))
    return PinSet(versions, source, kind="requirements", markers=markers, origin=origin)


def file_includes(folder: Path, *, root: Path | None = None, seen: frozenset[Path] = frozenset()) -> IncludeReader:
    """An IncludeReader for the ``-r`` lines of a file in ``folder``: each include is read relative
    to the file that names it and must stay inside ``root`` (the first file's folder)."""
    bound = Path(os.path.realpath(root or folder))

    def read(target: str, where: str) -> tuple[str, str, IncludeReader]:
        if "\0" in target:
            raise UserError(f"{where}: the include {quoted(target)} is not a file name", hint="fix the -r line")
        path = Path(os.path.realpath(folder / target))
        if not (path == bound or bound in path.parents):
            raise UserError(
                f"{where}: the include {quoted(target)} leads outside {bound}: refused",
                hint="include files of the same folder",
            )
        if path in seen:
            raise UserError(
                f"{where}: {quoted(target)} is already being read (a circular include)",
                hint="remove the circular -r line",
            )
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(
                f"{where}: the included file {quoted(target)} does not exist", hint="fix the -r line"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(
                f"{where}: cannot read the included {quoted(target)}: {exc}", hint="include a text file"
            ) from None
        return text, str(path), file_includes(path.parent, root=bound, seen=seen | {path})

    return read


def sniff(text: str, *, source: str, include: IncludeReader | None = None) -> PinSet:
    """Read ``text`` as whichever of the three formats it is."""
    head = text.lstrip()[:4096]
    if re.search(r"^lock-version\s*=", head, re.MULTILINE):
        return read_pylock(text, source=source)
    if re.search(r"^\[\[package\]\]", text, re.MULTILINE) or re.match(r"version\s*=\s*\d", head):
        return read_uv_lock(text, source=source)
    return read_requirements(text, source=source, include=include)


def read_pins(path: Path) -> PinSet:
    """A project folder (its uv.lock or pylock.toml), a uv.lock, a pylock.toml or a requirements file."""
    if path.is_dir():
        for candidate in ("uv.lock", "pylock.toml"):
            if (path / candidate).is_file():
                return read_pins(path / candidate)
        raise UserError(
            f"{path} has no uv.lock or pylock.toml",
            hint="run `hfscaffold lock` there, or pass a lock or requirements file",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"{path} does not exist", hint="pass a project folder, a uv.lock, a pylock.toml or a requirements file"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}", hint="pass a text file") from None
    source = str(path)
    if path.name == "uv.lock":
        return read_uv_lock(text, source=source)
    if re.fullmatch(r"pylock(\.[^.]+)?\.toml", path.name):
        return read_pylock(text, source=source)
    return sniff(
        text, source=source, include=file_includes(path.parent, seen=frozenset({Path(os.path.realpath(path))}))
    )


def from_installed(
    packages: Mapping[str, str], *, source: str, python: str, platform: str, machine: str | None = None
) -> PinSet:
    """An environment's installed distributions (name -> version), as an inspection reported them."""
    versions = {canonical_name(n): (_version(v, source=source, where=n),) for n, v in packages.items()}
    return PinSet(
        dict(sorted(versions.items())), source, python=Version(python), platform=platform, machine=machine,
        kind="environment",
    )  # fmt: skip
