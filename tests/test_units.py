"""Unit tests of the pure core's small pieces (policy, review), with literal inputs: the tests a
mutation run over those modules showed missing (tools/mutation.py)."""

from __future__ import annotations

import pytest
from packaging.version import Version

from hfscaffold.errors import UserError
from hfscaffold.pins import PinSet
from hfscaffold.policy import Policy, family_of, parse_policy
from hfscaffold.review import Change, HeldBack, Review, diff, level_of, release_notes_url


@pytest.mark.parametrize(
    ("policy", "current", "allowed", "refused"),
    [
        (Policy.PATCH, "4.44.2", ["4.44.2", "4.44.9"], ["4.44.1", "4.45.0", "5.0.0"]),
        (Policy.MINOR, "4.44.2", ["4.44.2", "4.99.0"], ["4.44.1", "5.0.0"]),
        (Policy.MAJOR, "4.44.2", ["4.44.2", "9.0.0"], ["4.44.1"]),
        (Policy.PATCH, "5", ["5", "5.0.3"], ["5.1", "6", "4.9"]),  # one segment: 5 is 5.0
        (Policy.MINOR, "2024", ["2024.9"], ["2025", "2023"]),
        (Policy.PATCH, "0.19.1", ["0.19.2"], ["0.20.0", "0.19.0"]),
    ],
)
def test_a_policy_allows_newer_versions_within_its_bound(
    policy: Policy, current: str, allowed: list[str], refused: list[str]
) -> None:
    specifier = policy.allowed(Version(current))
    assert all(specifier.contains(v, prereleases=True) for v in allowed), specifier
    assert not any(specifier.contains(v, prereleases=True) for v in refused), specifier


def test_parse_policy_names_the_choices() -> None:
    assert parse_policy("minor") is Policy.MINOR
    with pytest.raises(UserError) as info:
        parse_policy("latest")
    assert info.value.message == "unknown policy 'latest'" and "patch (default), minor or major" in (
        info.value.hint or ""
    )


def test_torch_and_its_companions_are_one_family() -> None:
    assert family_of("torchvision") == {"torch", "torchvision", "torchaudio", "triton"}
    assert family_of("transformers") == {"transformers"}


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        (None, "1.0", "added"),
        ("1.0", None, "removed"),
        ("2.0", "1.9", "downgrade"),
        ("1.0", "1.1rc1", "pre-release"),
        ("1.0", "1.0.1.dev1", "pre-release"),
        ("1.9", "2.0", "major"),
        ("1.1", "1.2", "minor"),
        ("1.1.1", "1.1.2", "patch"),
        ("1.1", "1.1.0.post1", "rebuild"),
        ("2.5.1+cpu", "2.5.1+cu121", "rebuild"),
        ("5", "5.0.1", "patch"),  # single segments count as zeros
        ("2024", "2025", "major"),
        ("0.19", "0.20", "minor"),
    ],
)
def test_the_level_of_a_change(old: str | None, new: str | None, level: str) -> None:
    assert level_of(Version(old) if old else None, Version(new) if new else None) == level


def pins(**versions: str) -> PinSet:
    return PinSet({name.replace("_", "-"): (Version(v),) for name, v in versions.items()}, "test")


def test_diff_lists_what_moved_hf_packages_first_then_by_level_then_name() -> None:
    old = pins(transformers="4.44.2", numpy="1.26.4", tqdm="4.66.5", six="1.16.0", datasets="2.21.0")
    new = pins(transformers="5.0.1", numpy="2.1.0", tqdm="4.66.6", six="1.16.0", datasets="2.21.1", idna="3.10")
    changes = diff(old, new)
    assert [(c.name, c.level, c.hf) for c in changes] == [
        ("transformers", "major", True),
        ("datasets", "patch", True),
        ("numpy", "major", False),
        ("tqdm", "patch", False),
        ("idna", "added", False),
    ]
    assert changes[0].release_notes == "https://github.com/huggingface/transformers/releases/tag/v5.0.1"
    assert changes[-1].old is None and changes[-1].new == "3.10" and changes[-1].release_notes is None
    assert diff(old, old) == []


def test_diff_sees_a_second_version_of_a_package_appear() -> None:
    old = PinSet({"numpy": (Version("1.26.4"),)}, "a")
    new = PinSet({"numpy": (Version("1.24.0"), Version("1.26.4"))}, "b")  # a fork added an older numpy
    (change,) = diff(old, new)
    assert change.name == "numpy" and change.level == "rebuild"


def test_release_notes_only_for_catalog_packages() -> None:
    from hfscaffold.catalog import load_catalog

    assert (
        release_notes_url(load_catalog(), "peft", "0.17.1")
        == "https://github.com/huggingface/peft/releases/tag/v0.17.1"
    )
    assert release_notes_url(load_catalog(), "six", "1.0") is None


def change(name: str, level: str) -> Change:
    return Change(name, "1", "2", level, False, None)  # type: ignore[arg-type]


def test_the_summary_says_what_a_review_holds() -> None:
    assert Review(changes=[]).summary == "Nothing to upgrade: every package is at the newest version the policy allows."
    assert Review(changes=[], blocked=["torch would move alone", "second"]).summary == "Blocked: torch would move alone"
    one = Review(changes=[change("a", "patch")])
    assert one.summary == "1 package changes (1 patch)."
    many = Review(
        changes=[change("a", "patch"), change("b", "major"), change("c", "major"), change("d", "added")],
        held_back=[HeldBack("x", "2.0.0", "cooldown")],
    )
    assert many.counts == {"patch": 1, "major": 2, "added": 1}
    assert many.summary == "4 packages change (2 major, 1 patch, 1 added); 1 held back."
    data = many.as_json()
    assert data["summary"] == many.summary and data["held_back"] == [
        {"name": "x", "version": "2.0.0", "reason": "cooldown"}
    ]
    assert [c["name"] for c in data["changes"]] == ["a", "b", "c", "d"] and data["blocked"] == []


def test_changes_sort_by_level_then_name() -> None:
    """Each level's place is its own: names in reverse order show the level decides first."""
    levels = [
        ("z", "major"),
        ("y", "minor"),
        ("x", "pre-release"),
        ("w", "patch"),
        ("v", "rebuild"),
        ("u", "downgrade"),
        ("t", "added"),
        ("s", "removed"),
    ]
    versions = {
        "major": ("1.0", "2.0"), "minor": ("1.0", "1.1"), "pre-release": ("1.0", "1.1rc1"), "patch": ("1.0", "1.0.1"),
        "rebuild": ("1.0", "1.0.post1"), "downgrade": ("2.0", "1.0"), "added": (None, "1.0"), "removed": ("1.0", None),
    }  # fmt: skip
    old = PinSet({name: (Version(versions[level][0]),) for name, level in levels if versions[level][0]}, "a")
    new = PinSet({name: (Version(versions[level][1]),) for name, level in levels if versions[level][1]}, "b")
    assert [(c.name, c.level) for c in diff(old, new)] == levels


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [("4", "4.0.0.post1", "rebuild"), ("4.0.1", "5", "major"), ("4.1", "4.1.1", "patch"), ("7", "7.0.1", "patch")],
)
def test_levels_pad_short_versions_with_zeros(old: str, new: str, level: str) -> None:
    assert level_of(Version(old), Version(new)) == level


def test_review_values_are_frozen() -> None:
    import dataclasses

    for value in (change("a", "patch"), HeldBack("x", "1", "r"), Review(changes=[])):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.name = "b"  # type: ignore[misc, union-attr]


def test_advisory_review_says_what_an_upgrade_fixes_and_what_remains() -> None:
    from hfscaffold.matrix import builtin_rules
    from hfscaffold.review import advisory_review

    fixed, remaining = advisory_review(builtin_rules(), pins(transformers="4.44.2"), pins(transformers="4.48.0"))
    assert "transformers-mobilevitv2-deserialization-cve-2024-11392" in {v.rule.id for v in fixed}
    assert {v.rule.id for v in remaining} == {"transformers-attn-implementation-rce-cve-2026-4372"}
    assert not {v.rule.id for v in fixed} & {v.rule.id for v in remaining}
    assert advisory_review(builtin_rules(), pins(transformers="4.48.0"), pins(transformers="4.48.0"))[0] == []
