"""Interruptions and failures of the machine: a kill at every filesystem step, a full disk and a
read-only project. Old files stay whole, the next command cleans up, nothing reads as a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hfscaffold.adapters.transaction import JOURNAL

pytestmark = pytest.mark.usefixtures("offline_uv")

FILES = ("pyproject.toml", "uv.lock")


def hfscaffold(*args: str, kill_at: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    if kill_at is not None:
        env["HFSCAFFOLD_TEST_KILL_AT_STEP"] = str(kill_at)
    return subprocess.run(
        [sys.executable, "-m", "hfscaffold", *args], env=env, capture_output=True, text=True, check=False
    )


def debris(project: Path) -> list[str]:
    """What an interrupted command could leave: staged files, temp files, a journal, scratch folders."""
    found = [p.name for p in project.iterdir() if p.name.endswith((".hfscaffold-new", ".tmp")) or p.name == JOURNAL]
    found += [p.name for p in project.parent.iterdir() if p.name.startswith(f".{project.name}.hfscaffold-")]
    if (project / ".venv").is_dir():
        found += [p.name for p in (project / ".venv").iterdir() if p.name.endswith(".tmp")]
    return found


@pytest.fixture
def project(new_project) -> Path:  # type: ignore[no-untyped-def]
    return new_project("proj")


def repin(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"transformers==4.45.0"', '"transformers==4.44.2"'))


# -- a kill at every step ---------------------------------------------------------------------------


def test_a_kill_at_any_step_of_lock_leaves_the_old_files_or_the_new_ones(project: Path, tmp_path: Path) -> None:
    repin(project)
    pristine = tmp_path / "pristine"
    shutil.copytree(project, pristine)
    old = {name: (pristine / name).read_bytes() for name in FILES}
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    assert hfscaffold("lock", "--project", str(reference)).returncode == 0
    new = {name: (reference / name).read_bytes() for name in FILES}
    assert old != new

    step = 0
    while True:
        step += 1
        work = tmp_path / "work" / "proj"
        shutil.rmtree(work.parent, ignore_errors=True)
        work.parent.mkdir()
        shutil.copytree(pristine, work)
        killed = hfscaffold("lock", "--project", str(work), kill_at=step)
        if killed.returncode == 0:
            break
        assert killed.returncode == -9 or killed.returncode == 137, killed.stderr
        for name in FILES:  # at the moment of the kill, every file is whole
            assert (work / name).read_bytes() in (old[name], new[name]), (step, name)
        after = hfscaffold("lock", "--check", "--project", str(work))
        state = {name: (work / name).read_bytes() for name in FILES}
        assert state in (old, new), f"step {step}: a mix of old and new files"
        assert after.returncode == (0 if state == new else 1), after.stdout + after.stderr
        assert debris(work) == [], f"step {step}"
    assert step > 6  # every write of a lock was interrupted once: the staged files, journal, moves
    assert {name: (work / name).read_bytes() for name in FILES} == new


def test_a_kill_at_any_step_of_new_is_cleaned_up_by_the_next_new(tmp_path: Path) -> None:
    step = 0
    while True:
        step += 1
        parent = tmp_path / f"try-{step}"
        dest = parent / "deep" / "fresh"
        killed = hfscaffold("new", "fresh", "--with", "transformers", "--dest", str(dest), "--no-sync", kill_at=step)
        if killed.returncode == 0:
            break
        assert killed.returncode in (-9, 137), killed.stderr
        if dest.exists():  # published in one rename: a whole project or none
            assert {p.name for p in dest.iterdir()} >= {"pyproject.toml", "uv.lock", "README.md", "src"}
            continue
        again = hfscaffold("new", "fresh", "--with", "transformers", "--dest", str(dest), "--no-sync")
        assert again.returncode == 0, again.stderr
        assert [p.name for p in dest.parent.iterdir()] == ["fresh"], f"step {step}"
    assert step > 5


def test_a_kill_while_sync_stamps_is_cleaned_up_by_the_next_sync(project: Path) -> None:
    assert hfscaffold("sync", "--project", str(project)).returncode == 0
    step = 0
    while True:
        step += 1
        killed = hfscaffold("sync", "--project", str(project), kill_at=step)
        if killed.returncode == 0:
            break
        assert killed.returncode in (-9, 137), killed.stderr
        again = hfscaffold("sync", "--project", str(project))
        assert again.returncode == 0, again.stderr
        assert debris(project) == [], f"step {step}"
    assert step > 1
    assert hfscaffold("doctor", "--project", str(project)).returncode == 0


# -- a full disk ------------------------------------------------------------------------------------


@contextmanager
def mounted(folder: Path, *options: str) -> Iterator[Path]:
    """``folder`` as a mount of its own (root can do this here and in CI): a small tmpfs, or a
    read-only bind of itself."""
    folder.mkdir(parents=True, exist_ok=True)
    command = ["mount", *options, str(folder)] if options else ["mount", "--bind", str(folder), str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount for this test: {done.stderr}")
        pytest.skip(f"mounting needs root here: {done.stderr.strip()}")
    try:
        if not options:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the filesystem of ``folder`` until ``leave`` bytes are free."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    if free > leave:
        with open(folder / "filler", "wb") as handle:
            handle.write(b"\0" * (free - leave))


@pytest.mark.parametrize("leave", [0, 8192, 32768, 98304])
def test_a_full_disk_during_lock_keeps_the_files_and_says_so(
    project: Path, tmp_path: Path, leave: int, run_cli
) -> None:
    repin(project)
    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=1m", "tmpfs") as small:
        work = small / "proj"
        shutil.copytree(project, work)
        old = {name: (work / name).read_bytes() for name in FILES}
        fill(small, leave)
        result = run_cli("lock", "--project", str(work))
        assert "Traceback" not in result.stderr
        if result.exit_code != 0:
            assert result.exit_code in (2, 3)
            assert len([line for line in result.stderr.splitlines() if line.startswith("error: ")]) == 1, result.stderr
            assert {name: (work / name).read_bytes() for name in FILES} == old
        (small / "filler").unlink(missing_ok=True)
        if debris(work):  # what a failed lock could not remove, the next command finishes or sweeps
            assert run_cli("lock", "--check", "--project", str(work)).exit_code in (0, 1)
        assert debris(work) == []
        assert [p.name for p in small.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("leave", [0, 8192, 32768])
def test_a_full_disk_during_new_writes_nothing(tmp_path: Path, leave: int, run_cli) -> None:
    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=1m", "tmpfs") as small:
        fill(small, leave)
        result = run_cli("new", "proj", "--with", "transformers", "--dest", str(small / "proj"), "--no-sync")
        assert "Traceback" not in result.stderr
        assert result.exit_code in (2, 3), result.stderr
        assert [p.name for p in small.iterdir()] == ["filler"]


# -- a read-only project ----------------------------------------------------------------------------


def test_read_only_commands_work_on_a_read_only_project(project: Path, run_cli, tmp_path: Path) -> None:
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    readers = [
        ("lock", "--check", "--project", str(project)),
        ("status", str(project)),
        ("upgrade", "--cooldown", "0 days", "--project", str(project)),
        ("doctor", "--project", str(project)),
        ("why", "transformers", "--project", str(project)),
        ("check", str(project)),
        ("check", "--env", str(project)),
        ("diff", str(project / "uv.lock"), str(project / "uv.lock")),
        ("update", "--project", str(project)),  # already on the template: nothing to write
    ]
    writers = [
        ("lock", "--project", str(project)),
        ("sync", "--project", str(project)),
        ("upgrade", "--apply", "--cooldown", "0 days", "--project", str(project)),
    ]
    with mounted(project.parent):
        for command in readers:
            result = run_cli(*command)
            assert result.exit_code == 0, (command, result.stdout, result.stderr)
        for command in writers:
            result = run_cli(*command)
            assert "Traceback" not in result.stderr, command
            assert result.exit_code in (1, 2, 3), command
            assert len([line for line in result.stderr.splitlines() if line.startswith("error: ")]) == 1, (
                command,
                result.stderr,
            )
