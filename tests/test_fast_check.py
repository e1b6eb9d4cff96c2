"""``check`` without click: the same output, exit code and errors as through click."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_check import BAD_LOCK, MY_RULE

import hfscaffold.cli._fast
from hfscaffold.cli._argv import hoist_global_flags
from hfscaffold.cli._fast import read_check_line


def _cases(tmp: Path) -> list[list[str]]:
    requirements = tmp / "requirements.txt"
    requirements.write_text("diffusers==0.27.2\nhuggingface-hub==0.26.0\ntransformers==4.44.2\ntokenizers\n")
    lock = tmp / "uv.lock"
    lock.write_text(BAD_LOCK)
    mine = tmp / "mine.toml"
    mine.write_text(MY_RULE)
    broken = tmp / "broken.toml"
    broken.write_text(MY_RULE.replace('severity = "warning"', 'severity = "fatal"'))
    clean = tmp / "clean.txt"
    clean.write_text("numpy==2.1.0\n")
    r, lk = str(requirements), str(lock)
    return [
        ["check", str(clean), "--no-resolve"],
        ["check", r, "--no-resolve"],
        ["check", r, "--no-resolve", "--format", "json"],
        ["-q", "check", r, "--no-resolve"],
        ["check", r, "--no-resolve", "--debug", "--fail-on-advisories"],
        ["check", r, "--no-resolve", "--rules", str(mine), "--python-version", "3.13", "--python-platform", "windows"],
        ["check", r, "--no-resolve", "--rules", str(broken)],
        ["check", r, "--no-resolve", "--rules", str(tmp / "missing.toml"), "--format", "json"],
        ["check", lk],
        ["check", lk, "--format", "json", "--python-version", "3.99"],
        ["check", str(tmp / "nothing-here.txt")],
        ["check", str(tmp)],  # a folder with a uv.lock and no pyproject.toml
    ]


def test_the_fast_path_prints_what_click_prints(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for args in _cases(tmp_path):
        assert read_check_line(hoist_global_flags(args)) is not None, args
        fast = run_cli(*args)
        with monkeypatch.context() as through_click:
            through_click.setattr(hfscaffold.cli._fast, "fast_command", lambda _args: None)
            slow = run_cli(*args)
        assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr), args
    assert {run_cli(*args).exit_code for args in _cases(tmp_path)} == {0, 1, 2}


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--help"],
        ["check", "-h"],
        ["check", "--env"],
        ["check", "--format=json"],
        ["check", "--format", "xml"],
        ["check", "--python-platform", "beos"],
        ["check", "a.txt", "b.txt"],
        ["check", "--rules"],
        ["check", "--rules", "."],
        ["check", "--rules", "x" * 5000],  # a name too long: click says what is wrong
        ["-v", "check"],
        ["check", "--", "x"],
        ["check", "--nope"],
        ["lock"],
        ["--help"],
    ],
)
def test_what_the_fast_path_does_not_read_is_left_to_click(args: list[str]) -> None:
    assert read_check_line(hoist_global_flags(args)) is None


# What a check of `name==version` lines never needs: click and rich (the fast path prints), pydantic
# (the index was validated once), packaging's requirement and marker parsers (and the wheel tags
# they bring in), the file machinery that writes, platformdirs (tempfile, shutil, random) for the
# cache folder's name, platform for the host, and hashlib (the built-in index is kept by stamps).
_UNUSED_ON_A_CHECK = (
    "click", "pydantic", "rich", "packaging.requirements", "packaging.markers", "packaging.tags",
    "hfscaffold.adapters.fs", "platformdirs", "tempfile", "platform", "hashlib",
)  # fmt: skip


def test_a_check_of_plain_pins_imports_neither_click_pydantic_nor_a_requirement_parser(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("diffusers==0.27.2\nhuggingface-hub==0.26.0\n")
    code = (
        f"import sys\nfrom hfscaffold.cli import main\nUNUSED = {_UNUSED_ON_A_CHECK!r}\n"
        f"try:\n    main(['check', {str(requirements)!r}, '--no-resolve', '-q'])\n"
        "finally:\n    print(sorted(m for m in UNUSED if m in sys.modules), file=sys.stderr)\n"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)  # compiles the index
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "diffusers-hub-cached-download" in run.stdout
    assert run.stderr.strip().splitlines()[-1] == "[]"
