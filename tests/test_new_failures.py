"""Bad input exits 2 with one clear line and a hint; failed resolution exits 3; nothing is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["demo", "--with", "transformerz"], "unknown component 'transformerz'", "did you mean 'transformers'?"),
        (["demo", "--with", "candle"], "'candle' is a Rust crate, not a Python environment component", "cargo add"),
        (
            ["demo", "--with", "transformers==banana"],
            "Invalid value for '--with': 'transformers==banana' is not a requirement",
            "PEP 440",
        ),
        (["demo", "--with", "datasets,datasets"], "'datasets' is given more than once", "once"),
        (["../x", "--with", "datasets"], "project name '../x' is a path, not a name", "--dest"),
        (["a/b", "--with", "datasets"], "project name 'a/b' is a path, not a name", "--dest"),
        (["my project", "--with", "datasets"], "not a valid Python project name", "letters"),
        (["transformers", "--with", "transformers"], "cannot depend on the package of the same name", "another name"),
        (
            ["demo", "--with", "datasets", "--torch", "cuda"],
            "Invalid value for '--torch': 'cuda' is not a torch backend",
            "cu128",
        ),
        (
            ["demo", "--with", "datasets", "--python", "3"],
            "--python '3' is neither a Python version nor an interpreter's path",
            "X.Y",
        ),
        (["demo", "--with", "datasets", "--python", "3.8"], "needs Python 3.10 or newer", "--python"),
        (["demo"], "no components chosen", "--with"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    args: list[str], message: str, hint: str, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("new", *args)
    assert result.exit_code == 2
    error, hint_line = result.stderr.splitlines()
    assert error.startswith("error: ") and message in error
    assert hint_line.startswith("hint: ") and hint in hint_line
    assert "Traceback" not in result.stderr
    assert leftovers(tmp_path) == []


def test_a_non_empty_destination_is_refused_and_left_untouched(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "existing"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    result = run_cli("new", "existing", "--with", "datasets", "--dest", str(dest))
    assert result.exit_code == 2
    assert "exists and is not empty" in result.stderr
    assert leftovers(dest) == ["notes.txt"] and (dest / "notes.txt").read_text() == "mine"
    assert leftovers(tmp_path) == ["existing"]


@pytest.mark.usefixtures("offline_uv")
def test_conflicting_pins_exit_3_with_uvs_reason_and_leave_nothing(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "clash"
    result = run_cli("new", "clash", "--with", "transformers==4.44.2,tokenizers==0.20.0", "--dest", str(dest))
    assert result.exit_code == 3
    error = next(line for line in result.stderr.splitlines() if line.startswith("error: "))
    assert "uv could not resolve the dependencies" in error
    assert "tokenizers" in error and "unsatisfiable" in error
    assert "hint: loosen or change the versions that conflict (--with" in result.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("offline_uv")
def test_a_version_that_does_not_exist_exits_3(tmp_path: Path, run_cli) -> None:
    result = run_cli("new", "ghost", "--with", "datasets==9.9.9", "--dest", str(tmp_path / "ghost"))
    assert result.exit_code == 3
    assert "datasets==9.9.9" in result.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("offline_uv")
def test_failure_in_an_existing_empty_folder_leaves_it_empty(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "keep"
    dest.mkdir()
    result = run_cli("new", "keep", "--with", "datasets==9.9.9", "--dest", str(dest))
    assert result.exit_code == 3
    assert leftovers(tmp_path) == ["keep"] and leftovers(dest) == []


def test_an_unreachable_index_exits_3_with_the_offline_hint(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, uv_cache: Path
) -> None:
    monkeypatch.setenv("UV_DEFAULT_INDEX", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    result = run_cli("new", "net", "--with", "datasets", "--dest", str(tmp_path / "net"), "--no-sync")
    assert result.exit_code == 3
    assert "hint: check your connection to the package index, or pass --offline" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["empty-cache"]


@pytest.mark.usefixtures("offline_uv")
def test_offline_with_an_empty_cache_exits_3(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://pypi.org/simple")
    result = run_cli("new", "off", "--with", "datasets", "--dest", str(tmp_path / "off"), "--offline", "--no-sync")
    assert result.exit_code == 3
    assert not (tmp_path / "off").exists()


@pytest.mark.usefixtures("offline_uv")
def test_a_python_that_is_not_installed_exits_2_and_leaves_nothing(tmp_path: Path, run_cli) -> None:
    result = run_cli("new", "future", "--with", "datasets", "--python", "3.99", "--dest", str(tmp_path / "future"))
    assert result.exit_code == 2
    assert "error: Python 3.99 is not installed" in result.stderr
    assert "uv python install 3.99" in result.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("offline_uv")
def test_debug_shows_uvs_full_output(tmp_path: Path, run_cli) -> None:
    result = run_cli("--debug", "new", "ghost", "--with", "datasets==9.9.9", "--dest", str(tmp_path / "ghost"))
    assert result.exit_code == 3
    assert "$ " in result.stderr and " lock --project " in result.stderr  # the uv command line
    assert "No solution found" in result.stderr
