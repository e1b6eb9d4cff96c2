"""One project, one environment: sync builds and stamps it, refuses foreign ones; doctor finds drift."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from expect import json_data

from hfscaffold.adapters.uv import find_uv


@pytest.fixture
def two_projects(offline_uv, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    made = []
    for name in ("first", "second"):
        dest = tmp_path / name
        result = run_cli("new", name, "--with", "transformers", "--dest", str(dest), "--no-sync")
        assert result.exit_code == 0, result.stderr
        made.append(dest)
    return made[0], made[1]


def listing(venv: Path) -> dict[str, float]:
    return {str(p.relative_to(venv)): p.stat().st_mtime for p in sorted(venv.rglob("*")) if not p.is_symlink()}


def uv_pip(*args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    subprocess.run([find_uv(), "pip", *args], check=True, capture_output=True, env=env)


def test_sync_builds_each_projects_own_stamped_environment(two_projects: tuple[Path, Path], run_cli) -> None:
    for project in two_projects:
        result = run_cli("sync", "--project", str(project))
        assert result.exit_code == 0, result.stderr
        stamp = json.loads((project / ".venv" / "hfscaffold.json").read_text())
        assert stamp["project"] == str(project)
        assert stamp["lock"].startswith("sha256:") and stamp["python"].startswith(f"{sys.version_info.major}.")
        assert run_cli("doctor", "--project", str(project)).exit_code == 0
    first, second = two_projects
    assert (first / ".venv").resolve() != (second / ".venv").resolve()
    again = json_data(run_cli("sync", "--project", str(first), "--format", "json").stdout)
    assert again["project"] == str(first) and again["stamp"]["project"] == str(first)


@pytest.mark.parametrize("variable", ["VIRTUAL_ENV", "CONDA_PREFIX", "UV_PROJECT_ENVIRONMENT"])
def test_sync_ignores_a_variable_naming_another_environment_and_writes_only_its_own(
    two_projects: tuple[Path, Path], run_cli, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    first, second = two_projects
    assert run_cli("sync", "--project", str(second)).exit_code == 0
    before = listing(second / ".venv")
    monkeypatch.setenv(variable, str(second / ".venv"))
    result = run_cli("sync", "--project", str(first))
    assert result.exit_code == 0, result.stderr
    assert f"warning: {variable}={second / '.venv'} is not this project's environment and is ignored" in result.stderr
    assert json.loads((first / ".venv" / "hfscaffold.json").read_text())["project"] == str(first)
    assert listing(second / ".venv") == before
    monkeypatch.setenv(variable, str(first / ".venv"))  # naming the project's own: nothing to say
    result = run_cli("sync", "--project", str(first))
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_sync_refuses_a_venv_that_links_elsewhere_or_belongs_to_another_project(
    two_projects: tuple[Path, Path], run_cli
) -> None:
    first, second = two_projects
    assert run_cli("sync", "--project", str(second)).exit_code == 0
    before = listing(second / ".venv")
    (first / ".venv").symlink_to(second / ".venv")
    result = run_cli("sync", "--project", str(first))
    assert result.exit_code == 1 and "is a link to" in result.stderr
    (first / ".venv").unlink()

    subprocess.run(["cp", "-a", str(second / ".venv"), str(first / ".venv")], check=True)  # a copied environment
    result = run_cli("sync", "--project", str(first))
    assert result.exit_code == 1 and f"was built for the project at {second};" in result.stderr
    assert listing(second / ".venv") == before


def test_doctor_names_a_package_installed_by_hand_and_sync_repairs_it(
    two_projects: tuple[Path, Path], run_cli, offline_uv
) -> None:
    project, _ = two_projects
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    python = str(project / ".venv" / "bin" / "python")
    uv_pip("install", "--python", python, "--no-deps", "datasets==3.0.0")
    result = run_cli("doctor", "--project", str(project))
    assert result.exit_code == 1
    assert "drift: datasets==3.0.0 is installed but not in the lock" in result.stdout

    uv_pip("uninstall", "--python", python, "tokenizers")
    result = run_cli("doctor", "--project", str(project), "--format", "json")
    problems = json_data(result.stdout)["problems"]
    assert {"kind": "drift", "message": "tokenizers==0.20.0 is in the lock but not installed"} in problems

    assert run_cli("sync", "--project", str(project)).exit_code == 0
    result = run_cli("doctor", "--project", str(project))
    assert result.exit_code == 0, result.stdout
    assert "matches uv.lock" in result.stdout


def test_doctor_flags_an_environment_built_from_an_older_lock(two_projects: tuple[Path, Path], run_cli) -> None:
    project, _ = two_projects
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    text = (project / "pyproject.toml").read_text().replace('"transformers==4.45.0"', '"transformers==4.44.2"')
    (project / "pyproject.toml").write_text(text)
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    result = run_cli("doctor", "--project", str(project))
    assert result.exit_code == 1
    assert "stamp: " in result.stdout and "was built from an older uv.lock" in result.stdout
    assert "drift: transformers is 4.45.0, the lock says 4.44.2" in result.stdout
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    assert run_cli("doctor", "--project", str(project)).exit_code == 0


def test_doctor_fails_loudly_on_a_torch_build_other_than_the_projects_backend(
    two_projects: tuple[Path, Path], run_cli
) -> None:
    project, _ = two_projects
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    text = (project / "pyproject.toml").read_text().replace('torch-backend = "pypi"', 'torch-backend = "cu128"')
    (project / "pyproject.toml").write_text(text)
    result = run_cli("doctor", "--project", str(project))
    assert result.exit_code == 1
    assert (
        "torch: torch 2.5.1 is installed, but the project asks for the cu128 build (+cu128): a silent swap"
        in result.stdout
    )


def test_doctor_without_an_environment(two_projects: tuple[Path, Path], run_cli) -> None:
    result = run_cli("doctor", "--project", str(two_projects[0]))
    assert result.exit_code == 1 and "the project has no environment: run `hfscaffold sync`" in result.stdout


def test_the_generated_tests_refuse_a_foreign_environment(two_projects: tuple[Path, Path], run_cli) -> None:
    project, _ = two_projects
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    # This runner's interpreter, not the project's: the guard stops the session with one sentence.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 3
    assert "these tests run only in this project's own environment" in tests.stdout + tests.stderr


def test_doctor_flags_an_interpreter_outside_requires_python(two_projects: tuple[Path, Path], run_cli) -> None:
    project, _ = two_projects
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    text = (project / "pyproject.toml").read_text()
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    (project / "pyproject.toml").write_text(
        text.replace(f'requires-python = "=={minor}.*"', 'requires-python = "==3.9.*"')
    )
    result = run_cli("doctor", "--project", str(project), "--offline")
    assert result.exit_code == 1
    assert (
        f"python: the environment runs Python {minor}." in result.stdout
        and "outside requires-python ==3.9.*" in result.stdout
    )


def test_doctor_deep_finds_an_import_the_installed_provider_lacks(
    two_projects: tuple[Path, Path], run_cli, offline_uv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project, _ = two_projects
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    assert run_cli("doctor", "--project", str(project), "--deep").exit_code == 0
    (module,) = (project / ".venv").glob("lib/python*/site-packages/transformers/__init__.py")
    text = module.read_text()
    module.unlink()  # uv installs by hard link from its cache: a new file, so the cache keeps the old one
    module.write_text(text + "from huggingface_hub import gone_in_this_version\n")
    result = run_cli("doctor", "--project", str(project), "--deep")
    assert result.exit_code == 1
    assert "deep: transformers 4.45.0: transformers/__init__.py:" in result.stdout
    assert "imports gone_in_this_version from huggingface_hub; huggingface-hub" in result.stdout


def test_a_sync_killed_after_making_the_environment_is_resumed(two_projects: tuple[Path, Path], run_cli) -> None:
    """sync makes and stamps .venv before uv installs into it: what a killed sync leaves (an
    environment stamped without a lock) is the project's own, and the next sync finishes it."""
    from hfscaffold.adapters.environment import write_stamp

    project, _ = two_projects
    subprocess.run([find_uv(), "venv", "--quiet", str(project / ".venv")], check=True, cwd=project, capture_output=True)
    write_stamp(project / ".venv", project=project, lock=None, pyproject=None, python="")
    result = run_cli("sync", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert json.loads((project / ".venv" / "hfscaffold.json").read_text())["lock"].startswith("sha256:")
    assert run_cli("doctor", "--project", str(project)).exit_code == 0
