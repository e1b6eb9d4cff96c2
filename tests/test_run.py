"""`hfscaffold run`: a command in the project's own environment, with only hfscaffold on PATH."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("offline_uv")

# Writes what the command saw to seen.txt in the folder it runs in (its stdout is the terminal's).
REPORT = (
    "import os, sys; open('seen.txt', 'w').write(repr({'prefix': sys.prefix, 'venv': os.environ.get('VIRTUAL_ENV'),"
    " 'argv': sys.argv[1:], 'cwd': os.getcwd()}))"
)


def seen(folder: Path) -> dict[str, object]:
    result: dict[str, object] = ast.literal_eval((folder / "seen.txt").read_text())
    return result


def test_run_syncs_first_then_runs_in_the_projects_own_environment(
    new_project, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = new_project("app")
    assert not (project / ".venv").exists()
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)  # the tool's own venv, activated: ignored, never used
    monkeypatch.chdir(tmp_path)
    result = run_cli("run", "--project", str(project), "python", "-c", REPORT, "-q", "--debug", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert f"warning: VIRTUAL_ENV={sys.prefix} is not this project's environment and is ignored" in result.stderr
    assert "Synced the environment from uv.lock" in result.stderr
    what = seen(tmp_path)
    assert what["prefix"] == str(project / ".venv") and what["venv"] == str(project / ".venv")
    assert what["argv"] == ["-q", "--debug", "--format", "json"]  # the command's flags, not hfscaffold's
    assert what["cwd"] == str(tmp_path)

    # In step now: the second run installs nothing; the command's exit status is hfscaffold's.
    result = run_cli("run", "--project", str(project), "--", "python", "-c", "raise SystemExit(7)")
    assert result.exit_code == 7
    assert "Synced" not in result.stderr


def test_the_projects_own_package_runs_as_a_module(new_project, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    project = new_project("my-app")
    (project / "src" / "my_app" / "train.py").write_text(REPORT.replace("seen.txt", "trained.txt") + "\n")
    monkeypatch.chdir(project)
    result = run_cli("run", "python", "-m", "my_app.train", "--max_steps", "2")
    assert result.exit_code == 0, result.stderr
    assert "'argv': ['--max_steps', '2']" in (project / "trained.txt").read_text()
    # An editable install: a module added later runs without another sync.
    (project / "src" / "my_app" / "predict.py").write_text("raise SystemExit(5)\n")
    result = run_cli("run", "python", "-m", "my_app.predict")
    assert result.exit_code == 5 and "Synced" not in result.stderr


def test_run_refuses_a_stale_lock_and_says_which_command_fixes_it(new_project, run_cli) -> None:
    project = new_project("app")
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"transformers==4.45.0"', '"transformers==4.44.2"'))
    for command in (("run", "--project", str(project), "python", "-c", "pass"), ("sync", "--project", str(project))):
        result = run_cli(*command)
        assert result.exit_code == 1, result.stderr
        assert "uv.lock is stale: pyproject.toml changed since it was locked" in result.stderr
        assert "hint: run `hfscaffold lock`" in result.stderr
        assert "--locked" not in result.stderr and "--debug" not in result.stderr
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    assert run_cli("run", "--project", str(project), "python", "-c", "pass").exit_code == 0


def test_run_refuses_an_environment_that_is_not_the_projects_own(new_project, run_cli, tmp_path: Path) -> None:
    project = new_project("app")
    elsewhere = tmp_path / "shared-env"
    elsewhere.mkdir()
    (project / ".venv").symlink_to(elsewhere)
    result = run_cli("run", "--project", str(project), "python", "-c", "pass")
    assert result.exit_code == 1
    assert "is a link to" in result.stderr and list(elsewhere.iterdir()) == []


def test_run_without_sync_and_unknown_commands_are_refused(new_project, run_cli) -> None:
    project = new_project("app")
    result = run_cli("run", "--project", str(project), "--no-sync", "python", "-c", "pass")
    assert result.exit_code == 1 and "not in step with uv.lock" in result.stderr
    assert not (project / ".venv").exists()
    result = run_cli("run", "--project", str(project), "no-such-program-here")
    assert result.exit_code == 2
    assert "error: no command 'no-such-program-here'" in result.stderr and "hint:" in result.stderr
    result = run_cli("run", "--project", str(project))
    assert result.exit_code == 2 and "Missing argument" in result.stderr


def test_run_needs_no_uv_on_path(new_project, run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Installed with pipx, hfscaffold's own uv is not on PATH: run still syncs and runs."""
    project = new_project("app")
    bare = tmp_path / "bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))
    monkeypatch.chdir(tmp_path)
    assert run_cli("run", "--project", str(project), "python", "-c", REPORT).exit_code == 0
    assert seen(tmp_path)["prefix"] == str(project / ".venv")
    assert os.environ["PATH"] == str(bare)
