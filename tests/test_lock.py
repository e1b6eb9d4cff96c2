"""`hfscaffold lock`: regenerate, check, never upgrade in passing, and never half-write."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fakeindex import FakeDist, FakeIndex, hf_stack

from hfscaffold import _toml
from hfscaffold.adapters.cache import user_cache
from hfscaffold.adapters.fs import write_atomic
from hfscaffold.adapters.lock_record import LockRecord, inputs_digest, remember
from hfscaffold.adapters.transaction import JOURNAL, LOCK_FILE, Transaction, _roll_forward, recover


@pytest.fixture
def project(offline_uv: FakeIndex, tmp_path: Path, run_cli) -> Path:
    dest = tmp_path / "proj"
    result = run_cli("new", "proj", "--with", "transformers", "--dest", str(dest), "--no-sync")
    assert result.exit_code == 0, result.stderr
    return dest


def locked(project: Path) -> dict[str, str]:
    lock = _toml.loads((project / "uv.lock").read_text())
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}


def repin(project: Path, old: str, new: str) -> None:
    text = (project / "pyproject.toml").read_text()
    assert old in text
    (project / "pyproject.toml").write_text(text.replace(old, new))


def test_a_fresh_project_is_current_and_lock_changes_nothing(project: Path, run_cli) -> None:
    before = {name: (project / name).read_bytes() for name in ("pyproject.toml", "uv.lock")}
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert "nothing changed" in result.stderr
    assert {name: (project / name).read_bytes() for name in before} == before


def test_a_lock_that_changes_nothing_parses_uv_lock_once(
    project: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hfscaffold.pins

    parsed: list[str] = []
    real = hfscaffold.pins._toml_document

    def counting(text: str, source: str) -> dict[str, object]:
        parsed.append(Path(source).name)
        return real(text, source)

    monkeypatch.setattr(hfscaffold.pins, "_toml_document", counting)
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    assert parsed == ["uv.lock"]
    repin(project, '"transformers==4.45.0"', '"transformers==4.44.2"')
    parsed.clear()
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    assert parsed == ["uv.lock", "uv.lock"]  # the lock moved: the new one is read too


def test_a_lock_that_changes_nothing_imports_no_pydantic(project: Path) -> None:
    """A no-op lock reads the knowledge and the settings from what was validated before, and
    reviews nothing (uv.lock did not move), so none of pydantic's models are built."""
    code = (
        "import sys\nfrom hfscaffold.cli import main\n"
        f"try:\n    main(['lock', '-q', '--project', {str(project)!r}])\n"
        "finally:\n    print('pydantic' in sys.modules, file=sys.stderr)\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)  # keeps what it validates
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip().splitlines()[-1] == "False"


def test_check_finds_a_stale_lock_and_lock_regenerates_it(project: Path, run_cli) -> None:
    repin(project, '"transformers==4.45.0"', '"transformers==4.44.2"')
    stale = run_cli("lock", "--check", "--project", str(project))
    assert stale.exit_code == 1 and "stale: uv.lock does not match pyproject.toml" in stale.stdout
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert locked(project)["transformers"] == "4.44.2" and locked(project)["tokenizers"] == "0.19.1"
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0
    settings = _toml.loads((project / "pyproject.toml").read_text())["tool"]["hfscaffold"]
    assert settings["matrix"] and "matrix-rules" not in settings  # no rule had to be applied


def test_lock_upgrades_nothing_in_passing(
    tmp_path: Path, run_cli, uv_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    index = FakeIndex(tmp_path_factory.mktemp("moving") / "simple").add(hf_stack())
    for key, value in index.environment(uv_cache).items():
        monkeypatch.setenv(key, value)
    dest = tmp_path / "steady"
    assert run_cli("new", "steady", "--with", "transformers", "--dest", str(dest), "--no-sync").exit_code == 0
    assert locked(dest)["huggingface-hub"] == "0.26.0"
    index.add([FakeDist("huggingface-hub", "0.27.0", ("tqdm",))])  # a release appears upstream
    repin(dest, "[tool.hfscaffold]\n", "[tool.hfscaffold]\ncooldown = '7 days'\n")
    assert run_cli("lock", "--project", str(dest)).exit_code == 0
    assert locked(dest)["huggingface-hub"] == "0.26.0"


def test_lock_steers_around_a_rule_and_check_reports_violations(project: Path, run_cli, tmp_path: Path) -> None:
    shutil.copy(Path(__file__).parent / "data" / "hub-rule.toml", project / "compat.toml")
    repin(project, "[tool.hfscaffold]\n", '[tool.hfscaffold]\nrules = "compat.toml"\n')
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert "Steered around matrix rule test-transformers-hub-026" in result.stderr
    assert locked(project)["huggingface-hub"] == "0.24.0"
    settings = _toml.loads((project / "pyproject.toml").read_text())["tool"]["hfscaffold"]
    assert settings["matrix-rules"] == ["test-transformers-hub-026"]
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0

    (project / "requirements.txt").write_text("transformers==4.45.0\nhuggingface-hub==0.26.0\n")
    check = run_cli("check", str(project / "requirements.txt"), "--rules", str(project / "compat.toml"))
    assert check.exit_code == 1 and "test-transformers-hub-026" in check.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "uv.lock",
            "version = 1\n[[package]]\nname = 'x'\nversion = \n",
            "uv.lock: not valid TOML: Invalid value (at line 4",
        ),
        ("pyproject.toml", "[project\nname = 'x'\n", "(at line 1, column 9)"),
    ],
)
def test_corrupt_files_exit_2_naming_file_and_line_and_stay_as_they_are(
    project: Path, run_cli, name: str, content: str, message: str
) -> None:
    (project / name).write_text(content)
    before = {p.name: p.read_bytes() for p in project.iterdir() if p.is_file()}
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in project.iterdir() if p.is_file() and p.name != ".hfscaffold.lock"} == {
        k: v for k, v in before.items() if k != ".hfscaffold.lock"
    }


def test_pylock_is_exported_for_pip_users(project: Path, run_cli) -> None:
    result = run_cli("lock", "--project", str(project), "--pylock")
    assert result.exit_code == 0, result.stderr
    pylock = _toml.loads((project / "pylock.toml").read_text())
    assert pylock["lock-version"] == "1.0"
    names = {p["name"] for p in pylock["packages"]}
    assert {"transformers", "huggingface-hub", "tokenizers", "torch"} <= names
    assert run_cli("check", str(project / "pylock.toml")).exit_code == 0


# -- never half-written ---------------------------------------------------------------------------


def test_a_crash_before_the_journal_keeps_the_old_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).write_text(f"old {name}")
    transaction = Transaction(tmp_path)
    transaction.stage("a", "new a")
    transaction.stage("b", "new b")  # ... killed here: no journal yet
    assert recover(tmp_path) == "discarded an interrupted write; the previous files are intact"
    assert [(tmp_path / n).read_text() for n in ("a", "b")] == ["old a", "old b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_a_crash_between_the_moves_is_finished_by_the_next_run(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).write_text(f"old {name}")
    transaction = Transaction(tmp_path)
    transaction.stage("a", "new a")
    transaction.stage("b", "new b")
    write_atomic(tmp_path / JOURNAL, json.dumps(transaction.staged))
    os.replace(tmp_path / transaction.staged["a"], tmp_path / "a")  # ... killed after the first move
    assert (tmp_path / "a").read_text() == "new a" and (tmp_path / "b").read_text() == "old b"
    assert recover(tmp_path) == "finished an interrupted write of a, b"
    assert [(tmp_path / n).read_text() for n in ("a", "b")] == ["new a", "new b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    _roll_forward(tmp_path, {})  # idempotent on a clean folder
    assert recover(tmp_path) is None


def _hfscaffold(*args: str) -> list[str]:
    return [sys.executable, "-m", "hfscaffold", *args]


def test_concurrent_locks_serialize(project: Path) -> None:
    repin(project, '"transformers==4.45.0"', '"transformers==4.44.2"')
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    runs = [
        subprocess.Popen(_hfscaffold("lock", "--project", str(project)), env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [run.communicate()[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    check = subprocess.run(
        _hfscaffold("lock", "--check", "--project", str(project)), env=env, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert locked(project)["transformers"] == "4.44.2"


def test_files_that_move_while_the_lock_waits_are_locked_as_they_then_are(project: Path) -> None:
    """uv starts on a copy before the project lock is ours: a command holding it that changes
    pyproject.toml meanwhile must not leave a lock of the old file."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    hold = (
        "import sys\nfrom filelock import FileLock\nlock = FileLock(sys.argv[1])\n"
        "lock.acquire()\nprint('held', flush=True)\nsys.stdin.readline()\nlock.release()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(project / LOCK_FILE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdin is not None and holder.stdout.readline().strip() == "held"
    waiting = subprocess.Popen(
        _hfscaffold("lock", "--project", str(project)), env=env, stderr=subprocess.PIPE, text=True
    )
    assert waiting.stderr is not None
    assert "Waiting for another hfscaffold command" in waiting.stderr.readline()  # it copied, started uv, waits
    repin(project, '"transformers==4.45.0"', '"transformers==4.44.2"')  # what the holder's command wrote
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.wait(timeout=30) == 0
    report = waiting.stderr.read()
    assert waiting.wait(timeout=120) == 0, report
    assert locked(project)["transformers"] == "4.44.2"
    env_check = subprocess.run(
        _hfscaffold("lock", "--check", "--project", str(project)), env=env, capture_output=True, text=True, check=False
    )
    assert env_check.returncode == 0, env_check.stdout + env_check.stderr


def _lock_in_a_process(project: Path, *args: str) -> tuple[str, list[str]]:
    """stderr of `hfscaffold lock` in a fresh process (its seconds masked), and which of the
    full lock's modules it imported."""
    code = (
        "import sys\nfrom hfscaffold.cli import main\n"
        f"try:\n    main(['lock', *{list(args)!r}, '--project', {str(project)!r}])\n"
        "finally:\n    print(sorted(m for m in ('click', 'hfscaffold.knowledge', 'hfscaffold.resolution', 'dataclasses', 'typing')"
        " if m in sys.modules), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    *report, modules = run.stderr.strip().splitlines()
    return re.sub(r" in \d+\.\d\ds ", " in N s ", "\n".join(report)), json.loads(modules.replace("'", '"'))


def test_a_lock_with_nothing_to_do_answers_from_its_record_with_the_same_report(project: Path) -> None:
    shutil.copy(Path(__file__).parent / "data" / "hub-rule.toml", project / "compat.toml")
    repin(project, "[tool.hfscaffold]\n", '[tool.hfscaffold]\nrules = "compat.toml"\n')
    _lock_in_a_process(project)  # steers, and records what it found
    before = {name: (project / name).read_bytes() for name in ("pyproject.toml", "uv.lock")}
    full, full_modules = _lock_in_a_process(project, "--offline")
    assert full_modules == []  # without click, the knowledge, a resolution, dataclasses or typing
    assert "Steered around matrix rule test-transformers-hub-026" in full and "(nothing changed)" in full
    (record,) = [p for p in (user_cache() / "locks").glob("*.json") if str(project) in p.read_text()]
    record.unlink()  # the same lock, the whole way
    slow, slow_modules = _lock_in_a_process(project, "--offline")
    assert "hfscaffold.knowledge" in slow_modules and slow == full
    assert {name: (project / name).read_bytes() for name in before} == before


def test_a_changed_rule_file_is_never_answered_from_the_record(project: Path, run_cli) -> None:
    (project / "compat.toml").write_text("# the team's rules: none yet\n")
    repin(project, "[tool.hfscaffold]\n", '[tool.hfscaffold]\nrules = "compat.toml"\n')
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    assert locked(project)["huggingface-hub"] == "0.26.0"
    shutil.copy(Path(__file__).parent / "data" / "hub-rule.toml", project / "compat.toml")
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert "Steered around matrix rule test-transformers-hub-026" in result.stderr
    assert locked(project)["huggingface-hub"] == "0.24.0"


def test_uv_still_says_whether_the_lock_is_current(project: Path, run_cli) -> None:
    """A record that matches the files (here written by hand after an edit) answers only for the
    matrix: uv is asked, finds the lock stale, and the full lock runs."""
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    repin(project, '"transformers==4.45.0"', '"transformers==4.44.2"')
    digest = inputs_digest(project, ())
    assert digest is not None
    remember(project, LockRecord(digest, (), None, {}))
    result = run_cli("lock", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert "(uv.lock)" in result.stderr
    assert locked(project)["transformers"] == "4.44.2"


def test_uv_starts_before_the_matrix_machinery_is_imported(project: Path) -> None:
    """The first `uv lock` runs while resolution, evaluation and the knowledge load, and while the
    project lock is taken; a project of plain pins is read without packaging's requirement parser."""
    (project / "uv.lock").unlink()  # a lock with work to do
    later = ("hfscaffold.resolution", "hfscaffold.evaluation", "packaging.requirements", "filelock")
    code = (
        "import sys\nimport hfscaffold.adapters.uv as uv\nseen = []\nreal = uv.run_process\n"
        "def spy(command, **options):\n"
        f"    seen.append(sorted(m for m in {later!r} if m in sys.modules))\n"
        "    return real(command, **options)\n"
        "uv.run_process = spy\nfrom hfscaffold.cli import main\n"
        f"try:\n    main(['lock', '-q', '--project', {str(project)!r}])\n"
        "finally:\n    print(seen[0] if seen else None, file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "[]"
    assert (project / "uv.lock").is_file()
