"""What users expect from uv and copier: --dry-run on every command that writes, -v shows uv's
own output, `new` makes a git repository, failures write nothing and hint nothing impossible."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("offline_uv")


def tree(folder: Path) -> dict[str, bytes]:
    """The project's files; hfscaffold's own lock file (empty, ignored by git) is taken by any
    command that reads the project consistently, a dry run too."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts and p.name != ".hfscaffold.lock"
    }


@pytest.mark.parametrize(
    "args",
    [
        ["lock", "--dry-run"],
        ["sync", "--dry-run"],
        ["add", "numpy<2", "--dry-run"],
        ["remove", "torch", "--dry-run"],
        ["upgrade", "--apply", "--dry-run", "--policy", "major", "--cooldown", "0 days"],
        ["update", "--dry-run"],
    ],
    ids=lambda args: args[0],
)
def test_every_command_that_writes_has_a_dry_run_that_writes_nothing(new_project, run_cli, args: list[str]) -> None:
    project = new_project("app")
    if args[0] != "sync":  # a pin moved by hand: there is something to write (sync would refuse the stale lock)
        text = (project / "pyproject.toml").read_text()
        (project / "pyproject.toml").write_text(text.replace('"transformers==4.45.0"', '"transformers==4.44.2"'))
        identity = ["-c", "user.name=t", "-c", "user.email=t@x"]
        subprocess.run(["git", *identity, "commit", "-qam", "pin"], cwd=project, check=True)
    before = tree(project)
    result = run_cli(*args, "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert tree(project) == before
    assert not (project / ".venv").exists()


def test_new_dry_run_writes_nothing_and_shows_the_pins(run_cli, tmp_path: Path) -> None:
    dest = tmp_path / "deep" / "er" / "app"
    result = run_cli("new", "app", "--with", "transformers", "--dest", str(dest), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert " + transformers==4.45.0" in result.stdout and "Would create" in result.stdout
    assert list(tmp_path.iterdir()) == []  # not even the parents it would make


def test_lock_dry_run_says_what_would_move(new_project, run_cli) -> None:
    project = new_project("app")
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace('"transformers==4.45.0"', '"transformers==4.44.2"'))
    result = run_cli("lock", "--dry-run", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert " ~ transformers 4.45.0 -> 4.44.2" in result.stdout and " ~ tokenizers 0.20.0 -> 0.19.1" in result.stdout
    assert "Would write uv.lock (dry run: nothing was written)" in result.stderr
    assert "4.45.0" in (project / "uv.lock").read_text()


def test_verbose_shows_uvs_own_output_before_or_after_the_command(new_project, run_cli) -> None:
    project = new_project("app")
    for args in (["-v", "lock", "--project", str(project)], ["lock", "--project", str(project), "-v"]):
        result = run_cli(*args)
        assert result.exit_code == 0, result.stderr
        assert "$ " in result.stderr and "uv: Resolved" in result.stderr


def git_log(folder: Path) -> list[str]:
    out = subprocess.run(["git", "log", "--format=%s"], cwd=folder, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_new_makes_a_git_repository_with_a_first_commit_so_update_works(run_cli, tmp_path: Path) -> None:
    dest = tmp_path / "app"
    result = run_cli("new", "app", "--with", "transformers", "--dest", str(dest))
    assert result.exit_code == 0, result.stderr
    assert git_log(dest) == ["Create app with hfscaffold 0.1.0"] and "Made a git repository" in result.stderr
    status = subprocess.run(["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True, check=True)
    assert status.stdout == ""  # the environment and its records are ignored or committed
    result = run_cli("update", "--project", str(dest))
    assert result.exit_code == 0 and "Already on the newest template" in result.stderr

    plain = tmp_path / "plain"
    assert (
        run_cli("new", "plain", "--with", "datasets", "--dest", str(plain), "--no-sync", "--vcs", "none").exit_code == 0
    )
    assert not (plain / ".git").exists()
    inner = dest / "sub"  # inside a repository: no repository of its own, as uv init does
    assert run_cli("new", "sub", "--with", "datasets", "--dest", str(inner), "--no-sync").exit_code == 0
    assert not (inner / ".git").exists()


def test_an_offline_failure_never_hints_to_pass_offline(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    for variable in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):  # an index that only the network could reach
        monkeypatch.setenv(variable, "https://index.invalid/simple")
    result = run_cli("new", "app", "--with", "transformers", "--dest", str(tmp_path / "app"), "--offline")
    assert result.exit_code == 3
    assert "pass --offline" not in result.stderr and "run once without --offline" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # uv's reason in a sentence, and the hint
    assert not (tmp_path / "app").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["lock"],
        ["lock", "--check"],
        ["sync"],
        ["doctor"],
        ["run", "python"],
        ["add", "numpy"],
        ["remove", "numpy"],
        ["upgrade", "--apply"],
        ["update"],
        ["why", "numpy"],
    ],
    ids=lambda args: "-".join(args),
)
def test_a_command_on_a_folder_that_is_no_project_writes_nothing(run_cli, tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "doesnotexist"
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (missing, empty):
        result = run_cli(args[0], "--project", str(folder), *args[1:])  # run's own option before its command
        assert result.exit_code == 2 and ("has no pyproject.toml" in result.stderr or args == ["update"])
        assert "has no" in result.stderr and "Traceback" not in result.stderr
    assert not missing.exists() and list(empty.iterdir()) == []  # not even a .hfscaffold.lock
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
