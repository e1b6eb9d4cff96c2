"""Version ranges: membership as the matrix means it, and whether two ranges meet or nest."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version


@cache
def specifier_set(spec: str) -> SpecifierSet:
    """``spec`` parsed once: thousands of rules share a few ranges, and a set is not changed."""
    return SpecifierSet(spec)


def in_range(specifier: SpecifierSet, version: Version) -> bool:
    """Whether ``version`` falls in a rule's range. A pre-release or dev release counts as the
    release it leads to (5.0.0rc1 as 5.0.0: it carries 5.0's changes), unless the range itself
    names pre-releases, which then decide exactly."""
    if version.is_prerelease and not any(
        Version(s.version.removesuffix(".*")).is_prerelease for s in specifier if s.operator != "==="
    ):
        version = Version(version.base_version)
    return specifier.contains(version, prereleases=True)


def _boundary_versions(*specifier_sets: SpecifierSet) -> list[Version]:
    """A version at, and one just past, every boundary of the sets (and one beyond them all).

    Membership in a specifier set only changes at its boundaries, so testing these points
    decides whether two sets intersect. "Just past" must not be a post-release: ``>V``
    excludes V's post-releases.
    """
    points = {Version("0"), Version("0.0.0.0.1")}
    for specifiers in specifier_sets:
        for spec in specifiers:
            text = spec.version.removesuffix(".*")
            try:
                version = Version(text)
            except InvalidVersion:  # "===" arbitrary strings
                continue
            release = ".".join(map(str, version.release))
            points |= {version, Version(f"{release}.post1"), Version(f"{release}.0.0.0.1")}
            prefix = version.release[:-1] if spec.operator == "~=" else version.release
            if spec.operator == "~=" or spec.version.endswith(".*"):  # ~=1.2 and ==1.2.* end at the next prefix
                bumped = (*prefix[:-1], prefix[-1] + 1)
                points |= {Version(".".join(map(str, bumped))), Version(".".join(map(str, bumped)) + ".0.0.0.1")}
            points.add(Version(str(version.release[0] + 1)))
    return sorted(points)


def specifiers_overlap(a: SpecifierSet, b: SpecifierSet) -> bool:
    """Whether some version satisfies both ``a`` and ``b`` (pre-releases included)."""
    return any(a.contains(v, prereleases=True) and b.contains(v, prereleases=True) for v in _boundary_versions(a, b))


def inside(inner_spec: str, outer_spec: str) -> bool:
    """Whether every version ``inner_spec`` allows, ``outer_spec`` allows too."""
    inner, outer = SpecifierSet(inner_spec), SpecifierSet(outer_spec)
    return not any(
        inner.contains(v, prereleases=True) and not outer.contains(v, prereleases=True)
        for v in _boundary_versions(inner, outer)
    )


def compatible(option: Mapping[str, str], constraints: Mapping[str, SpecifierSet]) -> bool:
    """Whether a fix option can hold together with the user's own constraints."""
    return all(
        name not in constraints or specifiers_overlap(constraints[name], SpecifierSet(spec))
        for name, spec in option.items()
    )


__all__ = ["compatible", "in_range", "inside", "specifier_set", "specifiers_overlap"]
