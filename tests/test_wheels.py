"""Which targets a release's wheels serve, read from their file names, and the releases of a
compiled package that leave a target to its sdist."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from hfscaffold.adapters.index import releases
from hfscaffold.matrix import parse_rules
from hfscaffold.wheels import Listed, is_compiled, missing_wheels, serves

LINUX_311 = "tok-{v}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
LINUX_312 = "tok-{v}-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
ABI3 = "tok-{v}-cp39-abi3-manylinux_2_17_x86_64.whl"
MAC_312 = "tok-{v}-cp312-cp312-macosx_11_0_arm64.whl"
WIN_312 = "tok-{v}-cp312-cp312-win_amd64.whl"


@pytest.mark.parametrize(
    ("wheel", "platform", "minor", "expected"),
    [
        (LINUX_312, "linux", 12, True),
        (LINUX_312, "linux", 13, False),
        (LINUX_312, "darwin", 12, False),
        (ABI3, "linux", 14, True),  # the stable ABI serves every later CPython
        (ABI3, "win32", 12, False),
        (MAC_312, "darwin", 12, True),
        (WIN_312, "win32", 12, True),
        ("tok-1.0-py3-none-any.whl", "win32", 14, True),
        ("tok-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", "linux", 12, False),  # another machine
        ("not a wheel.whl", "linux", 12, False),
        ("tok-1.0-cp312-cp312-manylinux_2_5_x86_64.whl", "linux", 12, True),  # the oldest glibc tag
        ("tok-1.0-cp312-cp312-manylinux_2_40_x86_64.whl", "linux", 12, True),
        ("tok-1.0-cp312-cp312-manylinux_2_41_x86_64.whl", "linux", 12, False),  # newer than any counted here
        ("tok-1.0-cp312-cp312-macosx_15_0_arm64.whl", "darwin", 12, True),
        ("tok-1.0-cp312-cp312-macosx_15_1_arm64.whl", "darwin", 12, False),  # macOS 11+ tags are MAJOR_0
    ],
)
def test_which_targets_a_wheel_serves(wheel: str, platform: str, minor: int, expected: bool) -> None:
    assert serves([wheel.format(v="1.0")], platform, minor) is expected


def test_a_package_with_only_platform_wheels_is_compiled() -> None:
    assert is_compiled([LINUX_311.format(v="1.0"), MAC_312.format(v="1.0")])
    assert not is_compiled(["tok-1.0-py3-none-any.whl"])
    assert not is_compiled([])


def listed(version: str, *wheels: str, sdist: bool = True, python: str | None = None) -> Listed:
    return Listed(Version(version), tuple(w.format(v=version) for w in wheels), "tok.tar.gz" if sdist else None, python)


def test_releases_that_leave_a_python_to_the_sdist_until_one_has_a_wheel() -> None:
    history = [
        listed("1.0", LINUX_311),
        listed("1.1", LINUX_311),
        listed("1.2", LINUX_311, LINUX_312),
        listed("1.3", ABI3),
    ]
    (found,) = missing_wheels("tok", history, minors=[12], platforms=["linux"])
    assert (found.versions, found.fixed) == ((Version("1.0"), Version("1.1")), Version("1.2"))
    rule = parse_rules(_toml_of([found.as_rule()]), source="mined.toml").get(found.id)
    assert (rule.when, rule.python, rule.platform) == ({"tok": ">=1.0,<1.2"}, "==3.12.*", "linux")
    assert rule.fix.options() == [{"tok": ">=1.2"}]
    assert rule.mined is not None and (rule.mined.kind, rule.mined.file) == ("wheels", "tok.tar.gz")
    assert "tok 1.1 on the index: 1 wheels (Python tags cp311), none for cp312 Linux x86_64" in rule.fix.evidence


@pytest.mark.parametrize(
    "history",
    [
        [listed("1.0", "tok-{v}-py3-none-any.whl"), listed("1.1", LINUX_312)],  # pure: no compiler needed
        [listed("1.0", LINUX_311, python=">=3.8,<3.12"), listed("1.1", LINUX_312)],  # 3.12 never picks 1.0
        [listed("1.0", LINUX_311, sdist=False), listed("1.1", LINUX_312)],  # no sdist: nothing to build
        [listed("1.0", LINUX_311), listed("1.1", LINUX_311)],  # no release with a wheel after: no fix
    ],
)
def test_no_finding_without_a_build_from_source_that_a_later_release_avoids(history: list[Listed]) -> None:
    assert missing_wheels("tok", history, minors=[12], platforms=["linux"]) == []


def test_two_runs_for_one_target_are_two_findings_with_their_own_ids() -> None:
    history = [listed("1.0", LINUX_311), listed("1.1", LINUX_312), listed("2.0", LINUX_311), listed("2.1", ABI3)]
    found = missing_wheels("tok", history, minors=[12], platforms=["linux"])
    assert [(f.id, f.fixed) for f in found] == [
        ("mined-tok-1-0-no-wheel-cp312-linux", Version("1.1")),
        ("mined-tok-2-0-no-wheel-cp312-linux", Version("2.1")),
    ]


def test_the_index_lists_wheels_sdists_and_requires_python(tmp_path: Path) -> None:
    page = tmp_path / "tok" / "index.html"
    page.parent.mkdir()
    page.write_text(
        "<html><body>"
        '<a href="../files/tok-1.0-cp311-cp311-win_amd64.whl#sha256=aa" data-requires-python="&gt;=3.9">w</a>'
        '<a href="../files/tok-1.0-py3-none-any.whl#sha256=bb" data-requires-python="&gt;=3.9">w</a>'
        '<a href="../files/tok-1.0.tar.gz#sha256=cc">s</a>'
        '<a href="../files/tok-2.0.tar.gz#sha256=dd">only an sdist</a>'
        "</body></html>"
    )
    (release,) = releases("tok", index=tmp_path.as_uri())
    assert release.version == Version("1.0") and release.sdist == "tok-1.0.tar.gz"
    assert release.wheels == ("tok-1.0-cp311-cp311-win_amd64.whl", "tok-1.0-py3-none-any.whl")
    assert release.requires_python == ">=3.9"


def _toml_of(rules: list[dict]) -> str:  # type: ignore[type-arg]
    import tomlkit

    table = tomlkit.document()
    table["rule"] = rules
    return tomlkit.dumps(table)


@pytest.mark.parametrize("python", [None, "", "not a specifier"])
def test_a_missing_or_unreadable_requires_python_allows_every_python(python: str | None) -> None:
    history = [listed("1.0", LINUX_311, python=python), listed("1.1", LINUX_312)]
    assert [f.versions for f in missing_wheels("tok", history, minors=[12], platforms=["linux"])] == [(Version("1.0"),)]


def test_findings_and_listings_are_frozen() -> None:
    import dataclasses

    history = [listed("1.0", LINUX_311), listed("1.1", LINUX_312)]
    (found,) = missing_wheels("tok", history, minors=[12], platforms=["linux"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.fixed = Version("9")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        history[0].sdist = None  # type: ignore[misc]
