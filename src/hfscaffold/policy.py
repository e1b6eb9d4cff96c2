"""Upgrade policies: how far a pinned version may move."""

from __future__ import annotations

from enum import Enum

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from hfscaffold.errors import UserError


class Policy(str, Enum):
    PATCH = "patch"  # keep the minor version (the seasoned users' default)
    MINOR = "minor"  # keep the major version
    MAJOR = "major"  # anything newer

    def allowed(self, current: Version) -> SpecifierSet:
        """The versions ``current`` may move to: never older, and within the policy's bound."""
        major, minor = (current.release + (0, 0))[:2]
        floor = f">={current}"
        if self is Policy.PATCH:
            return SpecifierSet(f"{floor},<{major}.{minor + 1}")
        if self is Policy.MINOR:
            return SpecifierSet(f"{floor},<{major + 1}")
        return SpecifierSet(floor)


def parse_policy(value: str) -> Policy:
    try:
        return Policy(value)
    except ValueError:
        raise UserError(f"unknown policy {value!r}", hint="use patch (default), minor or major") from None


# Packages released together that only work at matching versions: they move as one or not at all.
FAMILIES: tuple[frozenset[str], ...] = (frozenset({"torch", "torchvision", "torchaudio", "triton"}),)


def family_of(name: str) -> frozenset[str]:
    for family in FAMILIES:
        if name in family:
            return family
    return frozenset({name})
