"""Rules are evaluated per target environment: what each target installs from a lock (markers and
forks applied), a requirements file on the target asked for, and conditions on platform or Python
decided only where the target is known."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from expect import json_data
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from hfscaffold.adapters.knowledge_files import builtin_rules
from hfscaffold.evaluation import evaluate
from hfscaffold.pins import PinSet, read_pylock, read_requirements, read_uv_lock
from hfscaffold.ranges import in_range
from hfscaffold.targets import Target, describe, requested, universe

HEAD = """\
version = 1
revision = 3
requires-python = "==3.11.*"
{extra}
[[package]]
name = "app"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
{dependencies}
]

[package.dev-dependencies]
dev = [{{ name = "bitsandbytes" }}]
"""


def package(name: str, version: str, *, forks: str = "") -> str:
    markers = f"resolution-markers = [{forks}]\n" if forks else ""
    return f'\n[[package]]\nname = "{name}"\nversion = "{version}"\nsource = {{ registry = "https://pypi.org/simple" }}\n{markers}'


MAC_INTEL = "sys_platform == 'darwin' and platform_machine == 'x86_64'"
NOT_MAC_INTEL = "sys_platform != 'darwin' or platform_machine != 'x86_64'"
LINUX, NOT_LINUX = "sys_platform == 'linux'", "sys_platform != 'linux'"
LINUX_OR_MAC, WINDOWS = "sys_platform == 'linux' or sys_platform == 'darwin'", "sys_platform == 'win32'"


def forked_lock(numpy_marker: str, otherwise: str, *, extra: str = "") -> str:
    """torch 2.2.2 only on Intel Macs (the last release with their wheels), 2.5.1 elsewhere;
    numpy 2.2.6 where ``numpy_marker`` holds, 1.26.4 elsewhere."""
    dependencies = "\n".join(
        [
            f'    {{ name = "torch", version = "2.2.2", marker = "{MAC_INTEL}" }},',
            f'    {{ name = "torch", version = "2.5.1", marker = "{NOT_MAC_INTEL}" }},',
            f'    {{ name = "numpy", version = "2.2.6", marker = "{numpy_marker}" }},',
            f'    {{ name = "numpy", version = "1.26.4", marker = "{otherwise}" }},',
        ]
    )
    return (
        HEAD.format(extra=extra, dependencies=dependencies)
        + package("torch", "2.2.2", forks=f'"{MAC_INTEL}"')
        + package("torch", "2.5.1", forks=f'"{NOT_MAC_INTEL}"')
        + package("numpy", "2.2.6")
        + package("numpy", "1.26.4")
        + package("bitsandbytes", "0.42.0")
    )


def fired(pins: PinSet) -> dict[str, str]:
    return {v.rule.id: v.where for v in evaluate(builtin_rules(), pins) if v.rule.kind == "breakage"}


def test_packages_no_target_installs_together_are_not_a_pair() -> None:
    pins = read_uv_lock(forked_lock(LINUX, NOT_LINUX))
    assert {"torch", "numpy"} <= set(pins.packages) and len(pins.packages["torch"]) == 2  # both in the lock
    assert "torch-numpy2-abi" not in fired(pins)


def test_a_pair_one_target_installs_names_that_target() -> None:
    pins = read_uv_lock(forked_lock(LINUX_OR_MAC, WINDOWS))
    assert fired(pins)["torch-numpy2-abi"] == "darwin x86_64"
    (violation,) = [v for v in evaluate(builtin_rules(), pins) if v.rule.id == "torch-numpy2-abi"]
    assert violation.packages == {"torch": "2.2.2", "numpy": "2.2.6"} and violation.severity == "error"


def test_the_dev_group_is_not_the_default_install() -> None:
    """bitsandbytes 0.42 is only in the dev group: the Windows rule has nothing to fire on."""
    assert "bitsandbytes-windows-before-0-43" not in fired(read_uv_lock(forked_lock(LINUX, NOT_LINUX)))


def test_a_lock_serves_only_its_environments() -> None:
    text = forked_lock(LINUX, NOT_LINUX).replace(
        '    { name = "numpy", version = "2.2.6"',
        '    { name = "bitsandbytes" },\n    { name = "numpy", version = "2.2.6"',
    )
    assert fired(read_uv_lock(text))["bitsandbytes-windows-before-0-43"] == "win32"
    only_linux = text.replace(
        'requires-python = "==3.11.*"',
        'requires-python = "==3.11.*"\nsupported-markers = ["sys_platform == \'linux\'"]',
    )
    linux = read_uv_lock(only_linux)
    assert {t.platform for t in linux.targets} == {"linux"}
    assert "bitsandbytes-windows-before-0-43" not in fired(linux)


def test_requires_python_chooses_the_python_targets() -> None:
    assert sorted({t.python.minor for t in universe(">=3.10,<3.13") if t.python}) == [10, 11, 12]
    assert universe("==3.11.*", ["sys_platform == 'win32'"]) == (Target("win32", "AMD64", Version("3.11.0")),)


REQUIREMENTS = """\
torch==2.2.2
numpy==2.2.6 ; sys_platform == "linux"
numpy==1.26.4 ; sys_platform != "linux"
bitsandbytes==0.42.0
"""


def test_a_requirements_file_is_read_for_one_target() -> None:
    pins = read_requirements(REQUIREMENTS)
    linux = pins.on(requested("3.11", "linux"))
    assert linux.versions("numpy") == (Version("2.2.6"),)
    assert set(fired(linux)) == {"torch-numpy2-abi"} and fired(linux)["torch-numpy2-abi"] == ""
    windows = pins.on(requested("3.11", "windows"))
    assert windows.versions("numpy") == (Version("1.26.4"),)
    assert set(fired(windows)) == {"bitsandbytes-windows-before-0-43"}


def test_check_reads_requirements_for_the_host_unless_told(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("bitsandbytes==0.42.0\n")
    host = run_cli("check", "--no-resolve", str(path), "--python-platform", "linux")
    assert host.exit_code == 0 and "(linux x86_64, Python" in host.stdout
    windows = run_cli(
        "check",
        "--no-resolve",
        str(path),
        "--python-platform",
        "windows",
        "--python-version",
        "3.12",
        "--format",
        "json",
    )
    data = json_data(windows.stdout)
    assert windows.exit_code == 1 and data["targets"] == ["win32 AMD64, Python 3.12"]
    assert [v["rule"] for v in data["violations"]] == ["bitsandbytes-windows-before-0-43"]


def test_check_of_a_lock_can_keep_some_of_its_targets(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(forked_lock(LINUX_OR_MAC, WINDOWS))
    every = run_cli("check", str(path))
    assert every.exit_code == 1 and "torch-numpy2-abi: torch==2.2.2, numpy==2.2.6 (darwin x86_64)" in every.stdout
    assert "(5 targets)" in every.stdout
    linux = run_cli("check", str(path), "--python-platform", "linux")
    assert linux.exit_code == 0 and "(2 targets)" in linux.stdout
    none = run_cli("check", str(path), "--python-version", "3.12")
    assert none.exit_code == 2 and "serves no such target" in none.stderr


def test_pylock_markers_and_default_groups_choose_what_is_installed() -> None:
    text = """\
lock-version = "1.0"
requires-python = ">=3.11,<3.13"
environments = ["sys_platform == 'linux'"]
default-groups = []
created-by = "uv"

[[packages]]
name = "torch"
version = "2.2.2"

[[packages]]
name = "numpy"
version = "2.2.6"
marker = "python_version >= '3.12'"

[[packages]]
name = "numpy"
version = "1.26.4"
marker = "python_version < '3.12'"
"""
    pins = read_pylock(text)
    assert {(t.platform, t.python.minor if t.python else None) for t in pins.targets} == {("linux", 11), ("linux", 12)}
    assert fired(pins)["torch-numpy2-abi"] == "Python 3.12"  # the lock serves Linux only


def test_a_rule_of_one_platform_is_a_warning_where_the_platform_is_unknown() -> None:
    pins = PinSet({"bitsandbytes": (Version("0.42.0"),)}, "pins")
    (violation,) = evaluate(builtin_rules(), pins)
    assert violation.rule.severity == "error" and violation.severity == "warning"
    assert violation.where == "only on win32"
    linux = PinSet({"bitsandbytes": (Version("0.42.0"),)}, "env", python=Version("3.11.4"), platform="linux")
    assert evaluate(builtin_rules(), linux) == []


@pytest.mark.parametrize(
    ("specifier", "version", "inside"),
    [
        (">=5.0.0", "5.0.0rc1", True),  # a release candidate carries the release's changes
        (">=5.0.0", "5.0.0.dev0", True),
        ("<5.0.0", "5.0.0rc1", False),
        ("<5.0.0", "4.57.0rc1", True),
        ("==4.56.0", "4.56.0rc2", True),
        (">=5.0.0rc2", "5.0.0rc1", False),  # a range that names pre-releases decides exactly
        (">=5.0.0rc2", "5.0.0rc3", True),
        (">=5.0.0", "5.0.0.post1", True),
    ],
)
def test_pre_releases_count_as_the_release_they_lead_to(specifier: str, version: str, inside: bool) -> None:
    assert in_range(SpecifierSet(specifier), Version(version)) is inside


def test_transformers_5_release_candidates_meet_the_transformers_5_rules() -> None:
    pins = PinSet({"transformers": (Version("5.0.0rc1"),), "peft": (Version("0.17.1"),)}, "pins")
    assert "peft-transformers5-hybridcache" in fired(pins)
    pins = PinSet({"transformers": (Version("4.57.0rc1"),), "peft": (Version("0.17.1"),)}, "pins")
    assert "peft-transformers5-hybridcache" not in fired(pins)


def test_describe_names_the_targets_hit_in_a_few_words() -> None:
    among = universe(">=3.10,<3.13")
    assert describe(among, among) == ""
    assert describe([t for t in among if t.platform == "win32"], among) == "win32"
    assert describe([t for t in among if t.python and t.python.minor == 12], among) == "Python 3.12"
    mac_old = [t for t in among if t.platform == "darwin" and t.python and t.python.minor < 12]
    assert describe(mac_old, among) == "darwin (Python 3.10-3.11)"
    odd = [t for t in among if t.machine == "aarch64" and t.python and t.python.minor in (10, 12)]
    assert describe(odd, among) == "linux aarch64 (Python 3.10, 3.12)"


def env(platform: str = "linux", **versions: str) -> PinSet:
    return PinSet(
        {name.replace("_", "-"): (Version(v),) for name, v in versions.items()},
        "env", python=Version("3.11.9"), platform=platform, machine="x86_64",
    )  # fmt: skip


def rules_on(pins: PinSet) -> dict[str, str]:
    return {v.rule.id: v.severity for v in evaluate(builtin_rules(), pins) if v.rule.kind == "breakage"}


@pytest.mark.parametrize(("peft", "fires"), [("0.15.2", False), ("0.16.0", True), ("0.17.1", True), ("0.18.0", False)])
def test_peft_hybridcache_begins_at_0_16(peft: str, fires: bool) -> None:
    assert ("peft-transformers5-hybridcache" in rules_on(env(peft=peft, transformers="5.0.0"))) is fires


@pytest.mark.parametrize(
    ("optimum", "expected"),
    [
        ("1.17.1", {"optimum-transformers5-is-tf-available"}),
        ("1.27.0", {"optimum-transformers5-is-tf-available"}),  # resolves with 5 and fails at exporters.onnx
        ("2.0.0", {"optimum-transformers5-tf2-weights-name"}),
        ("2.1.0", set()),
    ],
)
def test_every_optimum_1_fails_with_transformers_5(optimum: str, expected: set[str]) -> None:
    found = {r for r in rules_on(env(optimum=optimum, transformers="5.0.0")) if r.startswith("optimum-")}
    assert found == expected


def test_the_optimum_fix_no_longer_offers_a_version_that_fails() -> None:
    fix = builtin_rules().get("optimum-transformers5-is-tf-available").fix
    assert fix.options() == [{"transformers": "<5.0.0"}, {"optimum": ">=2.1.0"}]


def test_evaluate_download_config_is_a_warning_for_its_metrics() -> None:
    assert (
        rules_on(env(evaluate="0.4.0", datasets="2.11.0"))["evaluate-datasets-downloadconfig-storage-options"]
        == "warning"
    )
    assert builtin_rules().get("evaluate-datasets-downloadconfig-storage-options").affects
    assert "evaluate-datasets-downloadconfig-storage-options" not in rules_on(env(evaluate="0.4.1", datasets="2.11.0"))


@pytest.mark.parametrize(
    ("platform", "torch", "fires"),
    [
        ("win32", "2.3.1", True),
        ("win32", "2.3.0", True),
        ("win32", "2.4.0", False),
        ("linux", "2.3.1", False),
        ("win32", "2.2.2", False),
    ],
)
def test_torch_2_3_and_numpy_2_break_on_windows_only(platform: str, torch: str, fires: bool) -> None:
    found = rules_on(env(platform, torch=torch, numpy="2.0.0"))
    assert ("torch-numpy2-abi-windows-2-3" in found) is fires
    if torch == "2.2.2":
        assert "torch-numpy2-abi" in found  # the older rule covers it everywhere


def test_extras_and_groups_are_installed_only_when_asked() -> None:
    from hfscaffold import _toml
    from hfscaffold.installs import uv_lock_installs

    text = (
        HEAD.format(extra="", dependencies='    { name = "numpy", version = "1.26.4" },')
        + '\n[package.optional-dependencies]\ngpu = [{ name = "bitsandbytes" }]\n'
        + package("numpy", "1.26.4")
        + package("bitsandbytes", "0.42.0")
        + '\n[[package]]\nname = "lib"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        + '\n[package.optional-dependencies]\nfast = [{ name = "numpy", version = "1.26.4" }]\n'
    )
    entries = _toml.loads(text)["package"]
    target = requested("3.11", "windows")
    assert set(uv_lock_installs(entries, target)) == {"numpy"}
    assert set(uv_lock_installs(entries, target, extras=["gpu"])) == {"numpy", "bitsandbytes"}
    assert set(uv_lock_installs(entries, target, groups=["dev"])) == {"numpy", "bitsandbytes"}


def test_a_dependency_on_a_packages_extra_installs_what_the_extra_needs() -> None:
    from hfscaffold import _toml
    from hfscaffold.installs import uv_lock_installs

    text = (
        HEAD.format(extra="", dependencies='    { name = "lib", extra = ["fast"] },')
        + '\n[[package]]\nname = "lib"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        + '\n[package.optional-dependencies]\nfast = [{ name = "numpy" }]\nslow = [{ name = "torch" }]\n'
        + package("numpy", "2.2.6")
        + package("torch", "2.2.2")
    )
    installed = uv_lock_installs(_toml.loads(text)["package"], requested("3.11", "linux"))
    assert set(installed) == {"lib", "numpy"}


def test_a_targets_label_and_marker_environment() -> None:
    windows = Target("win32", "AMD64", Version("3.12.0"))
    assert windows.known and windows.label == "win32 AMD64, Python 3.12"
    assert Target().label == "any platform, any Python" and not Target("linux", None, Version("3.11.0")).known
    environment = windows.environment()
    assert (environment["os_name"], environment["platform_system"], environment["sys_platform"]) == (
        "nt",
        "Windows",
        "win32",
    )
    assert (environment["python_version"], environment["python_full_version"]) == ("3.12", "3.12.0")
    mac = Target("darwin", "arm64", Version("3.11.0")).environment()
    assert (mac["os_name"], mac["platform_system"], mac["platform_machine"]) == ("posix", "Darwin", "arm64")


@pytest.mark.parametrize(
    ("marker", "extras", "holds"),
    [
        (None, (), True),
        ("", (), True),
        ("sys_platform == 'win32'", (), False),
        ("sys_platform == 'linux' and python_version >= '3.11'", (), True),
        ("python_version < '3.11'", (), False),
        ("not a marker ((", (), True),  # unreadable: counted as installed
        ("extra == 'gpu'", (), False),
        ("extra == 'gpu'", ("gpu",), True),
    ],
)
def test_a_marker_holds_on_a_known_target(marker: str | None, extras: tuple[str, ...], holds: bool) -> None:
    assert Target("linux", "x86_64", Version("3.11.0")).satisfies(marker, extras=extras) is holds


def test_every_marker_may_hold_where_the_target_is_unknown() -> None:
    assert Target("linux", None, Version("3.11.0")).satisfies("sys_platform == 'win32'") is True


@pytest.mark.parametrize(
    ("platform", "machine", "triple"),
    [
        ("linux", "x86_64", "x86_64-unknown-linux-gnu"),
        ("linux", "aarch64", "aarch64-unknown-linux-gnu"),
        ("darwin", "arm64", "aarch64-apple-darwin"),
        ("darwin", "x86_64", "x86_64-apple-darwin"),
        ("win32", "AMD64", "x86_64-pc-windows-msvc"),
        ("darwin", "ppc", "aarch64-apple-darwin"),  # a machine uv has no triple for: the platform's first
        (None, None, "x86_64-unknown-linux-gnu"),
    ],
)
def test_uv_platform_triples(platform: str | None, machine: str | None, triple: str) -> None:
    from hfscaffold.targets import uv_platform

    assert uv_platform(Target(platform, machine, Version("3.11.0"))) == triple


def test_requested_targets_take_uv_pip_compiles_names() -> None:
    from hfscaffold.errors import UserError
    from hfscaffold.targets import host

    assert requested(None, "macos") == Target("darwin", "arm64", host().python)
    assert requested("3.12", None) == Target(host().platform, host().machine, Version("3.12.0"))
    assert requested("3.10", "windows") == Target("win32", "AMD64", Version("3.10.0"))
    for bad_platform in ("beos", ""):
        with pytest.raises(UserError, match="is not a platform"):
            requested(None, bad_platform)
    for bad_version in ("3", "3.11.2", "2.7", "4.0", "three"):
        with pytest.raises(UserError, match="is not X.Y"):
            requested(bad_version, None)


@pytest.mark.parametrize(
    ("requires_python", "minors"),
    [
        (">=3.9", [9, 10, 11, 12, 13, 14]),
        ("<3.9", []),
        ("==3.14.*", [14]),
        (">=3.11.4,<3.12", [11]),  # 3.11.4 and later: the target is a late 3.11
        ("not a specifier", [9, 10, 11, 12, 13, 14]),
        (None, [9, 10, 11, 12, 13, 14]),
    ],
)
def test_universe_spans_the_pythons_requires_python_allows(requires_python: str | None, minors: list[int]) -> None:
    targets = universe(requires_python)
    assert sorted({t.python.minor for t in targets if t.python}) == minors
    assert len(targets) == 5 * len(minors)
    if requires_python == ">=3.11.4,<3.12":
        assert {t.python for t in targets} == {Version("3.11.99")}


def test_describe_says_nothing_for_no_target_or_every_target() -> None:
    among = universe("==3.11.*")
    assert describe([], among) == "" and describe(among, among) == ""
    linux = [t for t in among if t.platform == "linux"]
    assert describe(linux, among) == "linux"
    assert describe(linux[:1], among) == "linux x86_64"
    assert describe([*linux, *[t for t in among if t.machine == "arm64"]], among) == "linux; darwin arm64"


def lock_of(*blocks: str) -> list[dict]:  # type: ignore[type-arg]
    from hfscaffold import _toml

    return _toml.loads('version = 1\nrequires-python = "==3.11.*"\n' + "".join(blocks))["package"]


def entry(name: str, version: str | None, source: str = 'registry = "https://pypi.org/simple"', extra: str = "") -> str:
    line = f'version = "{version}"\n' if version else ""
    return f'\n[[package]]\nname = "{name}"\n{line}source = {{ {source} }}\n{extra}'


LINUX_311 = Target("linux", "x86_64", Version("3.11.0"))


def test_the_projects_own_package_is_the_root_even_in_a_workspace() -> None:
    from hfscaffold.installs import uv_lock_installs, uv_lock_roots

    packages = lock_of(
        entry("app", "0.1.0", 'editable = "."', 'dependencies = [{ name = "numpy" }]\n'),
        entry("member", "0.1.0", 'editable = "packages/member"', 'dependencies = [{ name = "torch" }]\n'),
        entry("numpy", "2.2.6"),
        entry("torch", "2.2.2"),
    )
    assert [r["name"] for r in uv_lock_roots(packages)] == ["app"]
    assert set(uv_lock_installs(packages, LINUX_311)) == {"numpy"}


def test_without_the_project_every_workspace_member_is_a_root() -> None:
    from hfscaffold.installs import uv_lock_installs, uv_lock_roots

    packages = lock_of(
        entry("a", None, 'virtual = "packages/a"', 'dependencies = [{ name = "numpy" }]\n'),
        entry("b", "1.0", 'editable = "packages/b"', 'dependencies = [{ name = "torch" }]\n'),
        entry("numpy", "2.2.6"),
        entry("torch", "2.2.2"),
        entry("unused", "1.0"),
    )
    assert [r["name"] for r in uv_lock_roots(packages)] == ["a", "b"]
    assert uv_lock_installs(packages, LINUX_311) == {"numpy": (Version("2.2.6"),), "torch": (Version("2.2.2"),)}


def test_a_lock_without_a_project_is_evaluated_as_one_set() -> None:
    text = 'version = 1\nrequires-python = ">=3.11"\n' + entry("bitsandbytes", "0.42.0")
    pins = read_uv_lock(text)
    assert pins.targets == () and pins.versions("bitsandbytes") == (Version("0.42.0"),)


def test_an_edge_without_a_version_takes_the_fork_of_the_target() -> None:
    from hfscaffold.installs import uv_lock_installs

    packages = lock_of(
        entry("app", "0.1.0", 'virtual = "."', 'dependencies = [{ name = "numpy" }]\n'),
        entry("numpy", "1.26.4", extra="resolution-markers = [\"sys_platform == 'win32'\"]\n"),
        entry("numpy", "2.2.6", extra="resolution-markers = [\"sys_platform != 'win32'\"]\n"),
    )
    assert uv_lock_installs(packages, LINUX_311) == {"numpy": (Version("2.2.6"),)}
    assert uv_lock_installs(packages, requested("3.11", "windows")) == {"numpy": (Version("1.26.4"),)}


def test_an_edge_naming_a_version_the_lock_lacks_falls_back_to_what_is_there() -> None:
    from hfscaffold.installs import uv_lock_installs

    packages = lock_of(
        entry("app", "0.1.0", 'virtual = "."', 'dependencies = [{ name = "numpy", version = "9.9.9" }]\n'),
        entry("numpy", "2.2.6"),
        "\n[[package]]\nname = 7\n",  # not a package entry: skipped
    )
    assert uv_lock_installs(packages, LINUX_311) == {"numpy": (Version("2.2.6"),)}


def test_pylock_counts_a_package_whose_marker_cannot_be_read_and_skips_bad_versions() -> None:
    from hfscaffold.installs import pylock_installs

    packages = [
        {"name": "torch", "version": "2.2.2", "marker": "not a marker (("},
        {"name": "numpy", "version": "not-a-version"},
        {"name": "numpy", "version": "2.2.6", "marker": "sys_platform == 'win32'"},
        {"name": "six"},
        "junk",
    ]
    assert pylock_installs(packages, LINUX_311) == {"torch": (Version("2.2.2"),)}  # type: ignore[arg-type]
    assert pylock_installs(packages, Target()) == {"torch": (Version("2.2.2"),), "numpy": (Version("2.2.6"),)}  # type: ignore[arg-type]


def test_the_host_is_the_machine_and_python_platform_names() -> None:
    import platform

    from hfscaffold.targets import host

    here = host()
    assert (here.platform, here.machine, here.python) == (
        sys.platform,
        platform.machine(),
        Version(platform.python_version()),
    )
