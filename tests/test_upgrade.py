"""`hfscaffold upgrade` and `diff` over a fake index with versions for every upgrade level."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from expect import json_data
from fakeindex import FakeDist, FakeIndex
from packaging.version import Version

from hfscaffold import _toml
from hfscaffold.errors import UserError
from hfscaffold.policy import Policy, parse_cooldown
from hfscaffold.proposal import upload_times
from hfscaffold.review import level_of

PYPROJECT = """\
[project]
name = "upgrading"
version = "0.1.0"
requires-python = ">=3.10,<3.14"
dependencies = [
    "alpha==1.0.0",
    "datasets==2.0.0",
    "torch==2.4.0",
    "torchvision==0.19.0",
]

[tool.uv]
package = false

[tool.hfscaffold]
cooldown = "0 days"
"""


@pytest.fixture(scope="module")
def upgrade_index(tmp_path_factory: pytest.TempPathFactory) -> FakeIndex:
    return FakeIndex(tmp_path_factory.mktemp("upgrade-index") / "simple").add(
        [
            FakeDist("alpha", "1.0.0", ("beta<1.1", "eps")),
            FakeDist("alpha", "1.0.1", ("beta<1.1", "eps")),
            FakeDist("alpha", "1.1.0", ("beta<1.1", "eps")),
            FakeDist("alpha", "2.0.0", ("beta>=1.1", "eps")),
            FakeDist("eps", "1.0.0"),
            FakeDist("eps", "1.1.0"),
            FakeDist("beta", "1.0.0", ("gamma",)),
            FakeDist("beta", "1.1.0", ("delta",)),
            FakeDist("gamma", "1.0.0"),
            FakeDist("delta", "1.0.0"),
            FakeDist("datasets", "2.0.0"),
            FakeDist("datasets", "2.0.1"),
            FakeDist("datasets", "2.1.0"),
            FakeDist("torch", "2.4.0"),
            FakeDist("torch", "2.5.0"),
            FakeDist("torchvision", "0.19.0", ("torch==2.4.0",)),
            FakeDist("torchvision", "0.20.0", ("torch==2.5.0",)),
        ]
    )


@pytest.fixture
def project(upgrade_index: FakeIndex, tmp_path: Path, uv_cache: Path, monkeypatch: pytest.MonkeyPatch, run_cli) -> Path:
    for key, value in upgrade_index.environment(uv_cache).items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "upgrading"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "uv.lock").write_text("")
    (root / "uv.lock").unlink()
    assert run_cli("lock", "--project", str(root)).exit_code == 0
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def upgrade_json(run_cli, root: Path, *args: str) -> tuple[int, dict]:
    result = run_cli("upgrade", "--project", str(root), "--format", "json", *args)
    return result.exit_code, json_data(result.stdout) if result.stdout.strip() else {}


def changes(review: dict) -> dict[str, tuple[str | None, str | None, str]]:
    return {c["name"]: (c["old"], c["new"], c["level"]) for c in review["changes"]}


def test_default_policy_is_patch_and_leaves_the_project_untouched(project: Path, run_cli) -> None:
    before = snapshot(project)
    code, review = upgrade_json(run_cli, project)
    assert code == 0
    assert changes(review) == {"alpha": ("1.0.0", "1.0.1", "patch"), "datasets": ("2.0.0", "2.0.1", "patch")}
    assert review["policy"] == "patch"
    assert snapshot(project) == before  # byte for byte, and no lock file created


def test_minor_policy_holds_back_a_fresh_hf_x_y_0(project: Path, run_cli) -> None:
    code, review = upgrade_json(run_cli, project, "--policy", "minor")
    assert code == 0
    moved = changes(review)
    assert moved["alpha"] == ("1.0.0", "1.1.0", "minor")  # not an HF package: no hold
    assert moved["datasets"] == ("2.0.0", "2.0.1", "patch")  # 2.1.0 waits for 2.1.1
    assert {
        "name": "datasets",
        "version": "2.1.0",
        "reason": "a new x.y.0 of an HF package waits for its first patch release",
    } in review["held_back"]


def test_major_policy_moves_the_transitive_chain(project: Path, run_cli) -> None:
    code, review = upgrade_json(run_cli, project, "--policy", "major")
    assert code == 0
    moved = changes(review)
    assert moved["alpha"] == ("1.0.0", "2.0.0", "major")
    assert moved["beta"] == ("1.0.0", "1.1.0", "minor")
    assert moved["gamma"] == ("1.0.0", None, "removed") and moved["delta"] == (None, "1.0.0", "added")
    assert moved["torch"] == ("2.4.0", "2.5.0", "minor") and moved["torchvision"] == ("0.19.0", "0.20.0", "minor")
    assert review["changes"][0]["name"] == "datasets"  # HF packages first
    assert review["changes"][0]["release_notes"] == "https://github.com/huggingface/datasets/releases/tag/v2.0.1"


def test_named_packages_move_alone(project: Path, run_cli) -> None:
    code, review = upgrade_json(run_cli, project, "alpha", "--policy", "major")
    assert code == 0
    assert set(changes(review)) == {"alpha", "beta", "gamma", "delta"}  # and nothing else moved


def test_a_partial_family_bump_is_refused(project: Path, run_cli) -> None:
    result = run_cli("upgrade", "torch", "--project", str(project))
    assert result.exit_code == 2
    assert "torch moves with torchvision" in result.stderr and "hfscaffold upgrade torch torchvision" in result.stderr
    code, review = upgrade_json(run_cli, project, "torch", "torchvision", "--policy", "minor")
    assert code == 0 and set(changes(review)) == {"torch", "torchvision"}


def test_a_matrix_repair_can_downgrade_and_the_report_says_so(project: Path, run_cli, tmp_path: Path) -> None:
    rule = tmp_path / "rule.toml"
    rule.write_text(
        '[[rule]]\nid = "alpha-beta-clash"\nsummary = "alpha 1.0.1 and later with beta 1.1 (test pattern)"\nseverity = "error"\n'
        'symptom = "ImportError: x"\nprobe = "import alpha"\nreferences = ["https://github.com/example/alpha/issues/1"]\n'
        '[rule.when]\nalpha = ">=1.0.1"\neps = ">=1.1"\n[rule.fix]\nprefer = { eps = "<1.1" }\n'
    )
    code, review = upgrade_json(run_cli, project, "alpha", "--rules", str(rule))
    assert code == 0
    moved = changes(review)
    assert moved["alpha"] == ("1.0.0", "1.0.1", "patch")
    assert moved["eps"] == ("1.1.0", "1.0.0", "downgrade")  # the lock took eps 1.1.0; the matrix moves it back
    assert review["matrix_constraints"] == {"alpha-beta-clash": {"eps": "<1.1"}}


def test_a_proposal_the_matrix_blocks_exits_1(project: Path, run_cli, tmp_path: Path) -> None:
    rule = tmp_path / "rule.toml"
    rule.write_text(
        '[[rule]]\nid = "alpha-is-bad"\nsummary = "every alpha 1.x after 1.0.0 (test pattern)"\nseverity = "error"\n'
        'symptom = "ImportError: x"\nprobe = "import alpha"\nreferences = ["https://github.com/example/alpha/issues/2"]\n'
        '[rule.when]\nalpha = ">1.0.0,<2"\n[rule.fix]\nprefer = { alpha = ">=2" }\n'
    )
    before = snapshot(project)
    result = run_cli("upgrade", "--project", str(project), "--rules", str(rule), "--format", "md", "--apply")
    assert result.exit_code == 1
    assert "### Blocked" in result.stdout and "alpha-is-bad" in result.stdout
    assert snapshot(project) == before


def test_apply_writes_pins_and_lock_and_the_diff_of_the_locks_matches(project: Path, run_cli, tmp_path: Path) -> None:
    old_lock = tmp_path / "old.lock"
    old_lock.write_bytes((project / "uv.lock").read_bytes())
    _, proposal = upgrade_json(run_cli, project, "--policy", "major")
    result = run_cli(
        "upgrade", "--project", str(project), "--policy", "major", "--apply", "--report", str(tmp_path / "UPGRADE.md")
    )
    assert result.exit_code == 0, result.stderr
    dependencies = _toml.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    assert dependencies == ["alpha==2.0.0", "datasets==2.0.1", "torch==2.5.0", "torchvision==0.20.0"]
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0
    report = (tmp_path / "UPGRADE.md").read_text()
    assert report.startswith("## Dependency upgrade proposal") and "| alpha | `1.0.0` | `2.0.0` | major |" in report

    diffed = run_cli("diff", str(old_lock), str(project / "uv.lock"), "--format", "json")
    assert diffed.exit_code == 0
    assert json_data(diffed.stdout)["changes"] == proposal["changes"]
    assert upgrade_json(run_cli, project, "--policy", "major")[1]["changes"] == []


def test_unknown_package_and_bad_inputs(project: Path, run_cli) -> None:
    result = run_cli("upgrade", "omega", "--project", str(project))
    assert result.exit_code == 2 and "omega is not in the lock" in result.stderr
    result = run_cli("upgrade", "--project", str(project), "--cooldown", "soon")
    assert result.exit_code == 2 and "cooldown 'soon' is not a duration" in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [("1.0.0", "1.0.1", "patch"), ("1.0.0", "1.1.0", "minor"), ("1.9.9", "2.0.0", "major"), ("2.0.0", "1.0.0", "downgrade"),
     ("1.0.0", "1.1.0rc1", "pre-release"), ("2.5.1", "2.5.1+cpu", "rebuild"), ("0.26.0", "0.27.0", "minor")],
)  # fmt: skip
def test_levels(old: str, new: str, level: str) -> None:
    assert level_of(Version(old), Version(new)) == level


def test_policies_bound_the_range() -> None:
    assert str(Policy.PATCH.allowed(Version("4.44.2"))) == "<4.45,>=4.44.2"
    assert str(Policy.MINOR.allowed(Version("4.44.2"))) == "<5,>=4.44.2"
    assert str(Policy.MAJOR.allowed(Version("4.44.2"))) == ">=4.44.2"


def test_cooldowns_and_upload_times() -> None:
    assert parse_cooldown("7 days") == timedelta(days=7) and parse_cooldown("2 weeks") == timedelta(days=14)
    assert parse_cooldown("36 hours") == timedelta(hours=36)
    with pytest.raises(UserError):
        parse_cooldown("a while")
    lock = '[[package]]\nname = "X_y"\nversion = "1"\nsdist = { url = "u", upload-time = "2026-11-20T10:00:00.5Z" }\nwheels = [{ url = "w", upload-time = "2026-11-21T10:00:00Z" }]\n'
    assert upload_times(lock)["x-y"].isoformat() == "2026-11-21T10:00:00+00:00"


@pytest.mark.usefixtures("offline_uv")
def test_a_named_package_held_by_another_pin_says_which_and_how_to_move_both(new_project, run_cli) -> None:
    project = new_project("held", "transformers==4.44.2,tokenizers==0.19.1")
    pyproject = project / "pyproject.toml"  # the fake index's newer releases are all x.y.0: let them through
    pyproject.write_text(
        pyproject.read_text().replace("[tool.hfscaffold]\n", '[tool.hfscaffold]\nhold-x-y-0 = "cooldown"\n')
    )
    result = run_cli("upgrade", "transformers", "--policy", "minor", "--cooldown", "0 days", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert "Nothing to upgrade within the policy; held back: transformers 4.45.0" in result.stdout
    assert "held at 4.44.2 by the pin tokenizers==0.19.1" in result.stdout
    command = "hfscaffold upgrade tokenizers transformers --policy minor"
    assert f"`{command}` moves them together" in result.stdout
    moved = run_cli(*command.split()[1:], "--cooldown", "0 days", "--project", str(project), "--format", "json")
    changes = {c["name"]: c["new"] for c in json_data(moved.stdout)["changes"]}
    assert changes["transformers"] == "4.45.0" and changes["tokenizers"] == "0.20.0"
