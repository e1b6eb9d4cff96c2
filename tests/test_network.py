"""End to end against the real package index (marker `network`: runs in CI)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from expect import json_data
from packaging.requirements import Requirement

from hfscaffold import _toml
from hfscaffold.adapters.uv import find_uv

pytestmark = pytest.mark.network


@pytest.fixture
def real_index(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_CACHE_DIR"):
        monkeypatch.delenv(key, raising=False)


@pytest.mark.usefixtures("real_index")
def test_new_my_bert_project_against_the_real_index(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("new", "my-bert-project", "--with", "transformers,datasets,accelerate", "--no-sync")
    assert result.exit_code == 0, result.stderr
    project = tmp_path / "my-bert-project"

    dependencies = _toml.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    requirements = [Requirement(line) for line in dependencies]
    assert [r.name for r in requirements] == ["transformers", "datasets", "accelerate", "torch"]
    for requirement in requirements:
        (spec,) = requirement.specifier
        assert spec.operator == "==" and "*" not in spec.version, requirement

    lock = _toml.loads((project / "uv.lock").read_text())
    locked = {p["name"]: p["version"] for p in lock["package"] if "version" in p}
    for requirement in requirements:
        assert requirement.specifier.contains(locked[requirement.name])
    assert "huggingface-hub" in locked and "tokenizers" in locked

    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    check = subprocess.run(
        [find_uv(), "lock", "--check"], cwd=project, capture_output=True, text=True, env=env, check=False
    )
    assert check.returncode == 0, check.stderr
    assert (project / ".copier-answers.yml").is_file()
    assert not (project / ".venv").exists()


@pytest.mark.usefixtures("real_index")
def test_a_real_torch_free_stack_syncs_imports_and_is_healthy(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    project = tmp_path / "text-data"
    result = run_cli("new", "text-data", "--with", "tokenizers,safetensors,datasets", "--dest", str(project))
    assert result.exit_code == 0, result.stderr
    assert "Imported 3 components and ran their smoke calls" in result.stderr
    verified = _toml.loads((project / "pyproject.toml").read_text())["tool"]["hfscaffold"]["verified"]
    assert verified["imports"] == "ok" and verified["lock"].startswith("sha256:")

    doctor = run_cli("doctor", "--project", str(project))
    assert doctor.exit_code == 0, doctor.stdout
    assert run_cli("check", str(project), "--env").exit_code == 0
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0

    relock = run_cli("lock", "--verify", "--project", str(project))
    assert relock.exit_code == 0, relock.stderr
    assert "Synced and imported 3 components" in relock.stderr


@pytest.mark.usefixtures("real_index")
def test_upgrade_transformers_4_44_to_5_with_review(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.chdir(tmp_path)
    assert run_cli("new", "old-bert", "--with", "transformers==4.44.2,tokenizers", "--no-sync").exit_code == 0
    project = tmp_path / "old-bert"
    old_lock = tmp_path / "old.lock"
    old_lock.write_bytes((project / "uv.lock").read_bytes())

    default = json_data(run_cli("upgrade", "--project", str(project), "--format", "json").stdout)
    transformers = [c for c in default["changes"] if c["name"] == "transformers"]
    assert transformers == []  # 4.44.2 is the last 4.44 release: the patch policy keeps it
    assert default["policy"] == "patch"

    before = (project / "pyproject.toml").read_bytes()
    proposal = run_cli("upgrade", "--project", str(project), "--policy", "major", "--format", "json")
    assert proposal.exit_code == 0, proposal.stderr
    assert (project / "pyproject.toml").read_bytes() == before
    review = json_data(proposal.stdout)
    (change,) = [c for c in review["changes"] if c["name"] == "transformers"]
    assert change["old"] == "4.44.2" and change["new"].startswith("5.") and change["level"] == "major"
    assert change["release_notes"] == f"https://github.com/huggingface/transformers/releases/tag/v{change['new']}"

    applied = run_cli(
        "upgrade", "--project", str(project), "--policy", "major", "--apply", "--report", str(tmp_path / "UPGRADE.md")
    )
    assert applied.exit_code == 0, applied.stderr
    assert f'"transformers=={change["new"]}"' in (project / "pyproject.toml").read_text()
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0
    diffed = json_data(run_cli("diff", str(old_lock), str(project / "uv.lock"), "--format", "json").stdout)
    assert diffed["changes"] == review["changes"]


@pytest.mark.usefixtures("real_index")
def test_adopt_a_small_real_hf_project(tmp_path: Path, run_cli) -> None:
    """A requirements.txt project of the HF stack becomes an hfscaffold project: every
    requirement exact within its range, a lock uv finds current, the user's file intact, and its
    own environment, where the template's test (--scaffold) finds the stack at its pins."""
    project = tmp_path / "sentiment"
    project.mkdir()
    requirements = "# a classifier\ntransformers>=4.44,<5\ntokenizers\nsafetensors\n"
    (project / "requirements.txt").write_text(requirements)
    result = run_cli("adopt", str(project), "--scaffold")
    assert result.exit_code == 0, result.stderr
    pinned = [
        Requirement(line) for line in _toml.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    ]
    assert [r.name for r in pinned] == ["transformers", "tokenizers", "safetensors"]
    for requirement in pinned:
        (spec,) = requirement.specifier
        assert spec.operator == "==", requirement
    assert Requirement("transformers>=4.44,<5").specifier.contains(next(iter(pinned[0].specifier)).version)
    assert (project / "requirements.txt").read_text() == requirements
    check = subprocess.run([find_uv(), "lock", "--check"], cwd=project, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    tests = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0 and "3 passed" in tests.stdout, tests.stdout[-2000:] + tests.stderr[-2000:]
