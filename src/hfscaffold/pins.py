"""Pin sets: which version of each package a lock file holds."""

from __future__ import annotations

from hfscaffold import _toml as tomllib
from collections.abc import Mapping

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from hfscaffold.errors import UserError


def read_uv_lock(text: str, *, source: str = "uv.lock") -> dict[str, tuple[Version, ...]]:
    """Every package version in a uv.lock, by canonical name (a forked resolution may hold several)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: not valid TOML: {exc}", hint="regenerate it with `hfscaffold lock`") from None
    versions: dict[str, set[Version]] = {}
    for index, package in enumerate(data.get("package", [])):
        if not isinstance(package, Mapping) or "name" not in package:
            raise UserError(f"{source}: package[{index}] has no name", hint="regenerate it with `hfscaffold lock`")
        if "version" not in package:  # the virtual project itself, or a source tree without a version
            continue
        try:
            version = Version(str(package["version"]))
        except InvalidVersion:
            raise UserError(
                f"{source}: package {package['name']!r} has an invalid version {package['version']!r}",
                hint="regenerate it with `hfscaffold lock`",
            ) from None
        versions.setdefault(canonicalize_name(str(package["name"])), set()).add(version)
    return {name: tuple(sorted(found)) for name, found in versions.items()}
