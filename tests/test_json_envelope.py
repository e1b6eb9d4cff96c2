"""One JSON envelope for every command: ``{"command", "exit_code", "data"}`` on success and on
findings, ``{"command", "exit_code", "error"}`` when the command failed; nothing else on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfscaffold.cli import COMMANDS


@pytest.fixture
def project(new_project, offline_uv) -> Path:  # type: ignore[no-untyped-def]
    return new_project("proj")


def cases(project: Path, tmp_path: Path) -> list[tuple[str, list[str]]]:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("diffusers==0.27.2\nhuggingface-hub==0.26.0\n")
    lock = str(project / "uv.lock")
    legacy = tmp_path / "legacy"  # a project of requirements.txt, for adopt
    legacy.mkdir()
    (legacy / "requirements.txt").write_text("numpy<2\n")
    return [
        ("components", ["components"]),
        ("check", ["check", "--no-resolve", str(requirements)]),
        ("matrix list", ["matrix", "list"]),
        ("matrix show", ["matrix", "show", "diffusers-hub-cached-download"]),
        ("why", ["why", "transformers", "--project", str(project)]),
        ("status", ["status", str(project), "--no-index"]),
        ("lock", ["lock", "--check", "--project", str(project)]),
        ("lock", ["lock", "--project", str(project)]),
        ("sync", ["sync", "--project", str(project)]),
        ("doctor", ["doctor", "--project", str(project)]),
        ("upgrade", ["upgrade", "--cooldown", "0 days", "--project", str(project)]),
        ("diff", ["diff", lock, lock]),
        ("add", ["add", "numpy", "--project", str(project)]),
        ("remove", ["remove", "numpy", "--project", str(project)]),
        ("update", ["update", "--project", str(project)]),
        ("new", ["new", "other", "--with", "datasets", "--no-lock", "--dest", str(tmp_path / "other")]),
        ("adopt", ["adopt", str(legacy), "--no-sync"]),
    ]


@pytest.mark.usefixtures("offline_uv")
def test_every_command_answers_in_one_envelope(project: Path, tmp_path: Path, run_cli) -> None:
    seen = set()
    for command, args in cases(project, tmp_path):
        result = run_cli(*args, "--format", "json")
        body = json.loads(result.stdout)
        assert set(body) == {"command", "exit_code", "data"}, (args, body)
        assert body["command"] == command and body["exit_code"] == result.exit_code, (args, body["exit_code"])
        assert result.exit_code in (0, 1), (args, result.stderr)
        seen.add(command.split()[0])
    # matrix verify and export need the index or write another format, and run gives the terminal to
    # the command it runs: every other command is here.
    assert seen == set(COMMANDS) - {"run"}


@pytest.mark.parametrize(
    ("args", "command", "code", "message"),
    [
        (["check", "nowhere.txt"], "check", 2, "does not exist"),
        (["lock", "--project", "nowhere"], "lock", 2, "has no pyproject.toml"),
        (["new", "x", "--with", "transformerz"], "new", 2, "unknown component"),
        (["matrix", "show", "no-such-rule"], "matrix show", 2, "no rule"),
        (["doctor", "--frobnicate"], "doctor", 2, "No such option"),
    ],
)
def test_a_failure_answers_in_the_envelope_too(
    args: list[str], command: str, code: int, message: str, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(*args, "--format", "json")
    body = json.loads(result.stdout)
    assert set(body) == {"command", "exit_code", "error"}
    assert body["command"] == command and body["exit_code"] == code == result.exit_code
    assert message in body["error"]["message"] and body["error"]["hint"]
    assert result.stderr.startswith("error: ")  # people reading the terminal still get the line
