"""Hostile structure, odd paths and concurrent runs: one line and the right exit code, never a
traceback, and nothing left behind that was not there."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from expect import one_line_error

pytestmark = pytest.mark.usefixtures("offline_uv")


@pytest.fixture
def project(new_project) -> Path:  # type: ignore[no-untyped-def]
    return new_project("proj")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# -- hostile structure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "deep = " + "[" * 5000 + "]" * 5000 + "\n",
        "deep = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
        "huge = " + "9" * 5000 + "\n",
    ],
    ids=["nested arrays", "nested tables", "5000 digits"],
)
def test_a_hostile_pyproject_is_bad_input(project: Path, run_cli, tail: str) -> None:
    with (project / "pyproject.toml").open("a") as handle:
        handle.write(tail)
    for command in (("lock", "--check"), ("lock",), ("doctor",), ("why", "transformers")):
        result = run_cli(*command, "--project", str(project))
        assert result.exit_code == 2, (command, result.stderr)
        assert "pyproject.toml" in one_line_error(result.stderr)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"transformers==4.45.0"', '"transformers==4.45.0;;"', "is not a valid requirement"),
        ('"transformers==4.45.0"', "7", "is not a requirement string"),
        ('requires-python = "==3.11.*"', 'requires-python = "banana"', "is not a version specifier"),
        ('requires-python = "==3.11.*"', "requires-python = 3", "requires-python must be a string"),
    ],
)
def test_malformed_dependencies_or_requires_python_are_bad_input_not_a_resolution_failure(
    project: Path, run_cli, old: str, new: str, message: str
) -> None:
    edit(project / "pyproject.toml", old, new)
    for command in ("lock", "sync", "upgrade"):
        result = run_cli(command, "--project", str(project))
        assert result.exit_code == 2, (command, result.stderr)
        assert message in one_line_error(result.stderr)


def test_hostile_answers_are_bad_input(project: Path, run_cli) -> None:
    answers = project / ".copier-answers.yml"
    for text, message in (
        ("- a\n- list\n", "not a mapping"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "cannot be read"),
        ("v: " + "9" * 5000 + "\n", "cannot be read"),
        ("\0\1\2", "not valid YAML"),
    ):
        answers.write_text(text)
        status = run_cli("status", str(project), "--no-index")
        assert status.exit_code == 2 and message in status.stdout, status.stdout
        update = run_cli("update", "--project", str(project), "--no-lock")
        assert update.exit_code == 2 and message in one_line_error(update.stderr)


def test_a_binary_rule_file_and_a_huge_cooldown_are_bad_input(project: Path, run_cli, tmp_path: Path) -> None:
    rules = tmp_path / "compat.toml"
    rules.write_bytes(bytes(range(256)) * 8)
    result = run_cli("check", str(project), "--rules", str(rules))
    assert result.exit_code == 2 and "compat.toml" in one_line_error(result.stderr)
    for cooldown in ("9" * 30 + " days", "99999 weeks", "9" * 500 + " days"):
        result = run_cli("upgrade", "--project", str(project), "--cooldown", cooldown)
        assert result.exit_code == 2 and "cooldown" in one_line_error(result.stderr)
        assert len(result.stderr) < 400


def test_an_error_quotes_at_most_a_little_of_a_huge_input(tmp_path: Path, run_cli) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_bytes(b"\0" * 5_000_000 + b"\n")
    result = run_cli("check", str(requirements))
    assert result.exit_code == 2
    assert len(one_line_error(result.stderr)) - len(str(requirements)) < 250
    requirements.write_text("transformers==" + "4" * 100_000 + "\n")
    result = run_cli("check", str(requirements))
    assert result.exit_code == 2 and len(result.stderr) < 600


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a" * 240, "characters long"),
        ("json", "shadow Python's own json module"),
        ("test", "shadow Python's own test module"),
        ("os", "shadow Python's own os module"),
        ("con", "reserved device name on Windows"),
        ("NUL", "reserved device name on Windows"),
        ("lpt1.txt", "reserved device name on Windows"),
    ],
)
def test_names_that_would_break_are_refused(
    name: str, message: str, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("new", name, "--with", "datasets", "--no-lock")
    assert result.exit_code == 2 and message in one_line_error(result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_a_usage_error_is_one_line_with_a_hint(run_cli) -> None:
    result = run_cli("new", "-rf")
    assert result.exit_code == 2
    assert "No such option" in one_line_error(result.stderr)
    assert result.stderr.splitlines()[1].startswith("hint: see `hfscaffold new --help`")


def test_awkward_destinations_are_refused_in_one_line(tmp_path: Path, run_cli) -> None:
    result = run_cli("new", "x", "--with", "datasets", "--no-lock", "--dest", "/proc/hfscaffold-x")
    assert result.exit_code == 2 and one_line_error(result.stderr)
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    result = run_cli("new", "x", "--with", "datasets", "--no-lock", "--dest", str(tmp_path / "link"))
    assert result.exit_code == 2 and "is a link" in one_line_error(result.stderr)
    assert list(real.iterdir()) == []


def test_a_failed_new_removes_the_folders_it_made(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "a" / "b" / "proj"
    result = run_cli("new", "proj", "--with", "transformers==9.9.9", "--dest", str(dest), "--no-sync")
    assert result.exit_code == 3, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_commands_on_a_folder_that_is_no_project_create_nothing(tmp_path: Path, run_cli) -> None:
    missing = tmp_path / "doesnotexist"
    for command in (("lock",), ("lock", "--check"), ("sync",), ("upgrade", "--apply"), ("doctor",)):
        result = run_cli(*command, "--project", str(missing))
        assert result.exit_code == 2, (command, result.stderr)
        one_line_error(result.stderr)
    assert list(tmp_path.iterdir()) == []


def jinja_template(root: Path, pyproject: str) -> Path:
    template = root / "their-template"
    template.mkdir()
    (template / "copier.yml").write_text("project_name:\n  type: str\n")
    (template / "pyproject.toml.jinja").write_text(pyproject)
    return template


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "could not be rendered"),
        (
            '[project]\nname = "{{ project_name }}"\nversion = "1"\n\n[tool.uv]\npackage = false\n',
            "without a [project] dependencies list",
        ),
        (
            '[project]\nname = "{{ project_name }}"\nversion = "1"\ndependencies = ["x>>1"]\n',
            "is not a valid requirement",
        ),
    ],
    ids=["jinja sandbox", "no dependencies", "bad dependency"],
)
def test_a_broken_template_is_bad_input(tmp_path: Path, run_cli, pyproject: str, message: str) -> None:
    template = jinja_template(tmp_path, pyproject)
    dest = tmp_path / "theirs"
    result = run_cli(
        "new", "theirs", "--with", "datasets", "--template", str(template), "--dest", str(dest), "--no-sync"
    )
    assert result.exit_code == 2 and message in one_line_error(result.stderr)
    assert not dest.exists()


# -- environments through links, moves and clones ---------------------------------------------------


def test_sync_through_a_symlinked_path_uses_the_projects_own_environment(
    project: Path, run_cli, tmp_path: Path
) -> None:
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    alias = tmp_path / "alias"
    alias.symlink_to(project)
    result = run_cli("sync", "--project", str(alias))
    assert result.exit_code == 0, result.stderr
    assert run_cli("doctor", "--project", str(alias)).exit_code == 0


def test_a_moved_project_is_told_what_to_do(project: Path, run_cli, tmp_path: Path) -> None:
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    moved = tmp_path / "moved"
    project.rename(moved)
    result = run_cli("sync", "--project", str(moved))
    assert result.exit_code == 1
    error = one_line_error(result.stderr)
    assert f"was built for the project at {project}" in error and "moved" in error and "remove .venv" in error
    shutil.rmtree(moved / ".venv")
    assert run_cli("sync", "--project", str(moved)).exit_code == 0


def test_an_environment_committed_to_the_repository_is_never_used(project: Path, run_cli) -> None:
    venv = project / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text('#!/bin/sh\ntouch "$(dirname "$0")/../../ran"\n')
    (venv / "python").chmod(0o755)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-f", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "with a venv"], cwd=project, check=True)
    for command in ("sync", "doctor"):
        result = run_cli(command, "--project", str(project))
        assert result.exit_code == 1
        assert "part of the repository" in (result.stderr + result.stdout)
    assert not (project / "ran").exists()


# -- concurrent runs and leftovers ------------------------------------------------------------------


@pytest.fixture
def running_process() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_a_running_commands_scratch_folder_is_never_removed(
    project: Path, run_cli, running_process: subprocess.Popen[bytes]
) -> None:
    alive = project.parent / f".proj.hfscaffold-{running_process.pid}-abcdefgh"
    alive.mkdir()
    (alive / "uv.lock").write_text("being resolved")
    edit(project / "pyproject.toml", "[tool.hfscaffold]\n", '[tool.hfscaffold]\ncooldown = "7 days"\n')
    for command in (("lock",), ("sync",), ("lock", "--check")):
        assert run_cli(*command, "--project", str(project)).exit_code == 0
        assert (alive / "uv.lock").read_text() == "being resolved"
    running_process.kill()
    running_process.wait()
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0
    assert not alive.exists()
