"""Upgrade policies: how far a pinned version may move."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import Enum

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from hfscaffold.errors import UserError, quoted


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


# How old a release must be before `upgrade` proposes it (uv's exclude-newer, as a duration).
_DURATION = re.compile(r"^\s*(\d+)\s*(hour|hours|day|days|week|weeks)\s*$")
_LONGEST_COOLDOWN = timedelta(days=3650)


def parse_cooldown(text: str) -> timedelta:
    match = _DURATION.match(text) if len(text) <= 40 else None
    if not match:
        raise UserError(f"cooldown {quoted(text)} is not a duration", hint='use e.g. "7 days", "36 hours" or "2 weeks"')
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    hours = amount * {"hour": 1, "day": 24, "week": 24 * 7}[unit]
    if hours > _LONGEST_COOLDOWN.total_seconds() / 3600:
        raise UserError(
            f"cooldown {quoted(text)} is longer than ten years", hint='use e.g. "7 days" ("0 days" turns it off)'
        )
    return timedelta(hours=hours)
