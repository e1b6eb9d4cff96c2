from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from expect import json_data

from hfscaffold import __version__

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize(("args", "snapshot"), [(["--help"], "help.txt"), (["new", "--help"], "new-help.txt")])
def test_help_matches_its_snapshot(args: list[str], snapshot: str, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = run_cli(*args)
    assert result.exit_code == 0
    assert result.stdout == (SNAPSHOTS / snapshot).read_text(), (
        f"update tests/snapshots/{snapshot} if the change is meant"
    )


def test_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"hfscaffold, version {__version__}"


def test_components_table_lists_every_component(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli("components")
    assert result.exit_code == 0
    for name in ("transformers", "huggingface-hub", "sentence-transformers", "torchmetrics", "streamlit"):
        assert name in result.stdout


def test_components_json_is_a_contract(run_cli) -> None:
    result = run_cli("components", "--format", "json")
    rows = json_data(result.stdout)["components"]
    assert set(rows[0]) == {"name", "family", "aliases", "needs_torch", "repository", "description", "smoke"}
    hub = next(r for r in rows if r["name"] == "huggingface-hub")
    assert hub["aliases"] == ["hub", "hf-hub"] and hub["needs_torch"] is False
    assert hub["repository"] == "https://github.com/huggingface/huggingface_hub"


def test_unknown_command_is_a_usage_error(run_cli) -> None:
    result = run_cli("frobnicate")
    assert result.exit_code == 2 and "No such command" in result.stderr


def test_start_up_does_not_import_copier_or_uv() -> None:
    code = (
        "import sys; from hfscaffold.cli._app import cli; "
        "import click.testing; click.testing.CliRunner().invoke(cli, ['--help']); "
        "print(sorted(m for m in ('copier', 'uv', 'pydantic', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_process_leaves_what_is_left_to_its_end() -> None:
    """As a process, hfscaffold freezes what is left before Python's teardown, so that the last
    collection of it costs nothing; in-process (tests), main leaves the collector alone."""
    code = (
        "import atexit, gc, sys\nfrom hfscaffold.cli import console, main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('main', gc.get_freeze_count() > 0, flush=True)\n"
        "atexit.register(lambda: print('console', gc.get_freeze_count() > 0, flush=True))\n"
        "sys.argv = ['hfscaffold', '--version']\nconsole()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert [line for line in run.stdout.splitlines() if line.startswith(("main", "console"))] == [
        "main False",
        "console True",
    ]


def test_core_modules_do_not_import_click_or_copier() -> None:
    code = (
        "import sys; import hfscaffold.catalog, hfscaffold.pins, hfscaffold.pyproject, hfscaffold.naming, hfscaffold.matrix; "
        "print(sorted(m for m in ('click', 'copier', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hfscaffold", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and __version__ in result.stdout


def test_debug_shows_the_traceback(run_cli) -> None:
    result = run_cli("--debug", "new", "demo", "--with", "candle")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "error: 'candle' is a Rust crate" in result.stderr


def test_no_subprocess_takes_a_shell_string() -> None:
    """Every subprocess is an argument list: project names and paths can never become shell code."""
    source = Path(__file__).resolve().parents[1] / "src" / "hfscaffold"
    offenders = [str(p) for p in source.rglob("*.py") if "shell=True" in p.read_text() or "os.system(" in p.read_text()]
    assert offenders == []


@pytest.mark.parametrize(
    "args", [["matrix", "show", "diffusers-hub-cached-download"], ["components"], ["matrix", "list"]]
)
def test_reports_have_a_json_form(args: list[str], run_cli) -> None:
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0 and json_data(result.stdout)


def test_the_lazy_command_table_matches_the_commands() -> None:
    """`--help` lists commands from a table, without importing them: it must say what they say,
    and name every command the cli package defines."""
    import importlib
    import pkgutil

    import click

    import hfscaffold.cli
    from hfscaffold.cli import COMMANDS

    defined: set[str] = set()
    for info in pkgutil.iter_modules(hfscaffold.cli.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"hfscaffold.cli.{info.name}")
        found = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, click.Command) and getattr(obj.callback, "__module__", None) == module.__name__
        ]
        subcommands = {sub for obj in found if isinstance(obj, click.Group) for sub in obj.commands.values()}
        defined |= {obj.name for obj in found if obj not in subcommands and obj.name}
    assert defined == set(COMMANDS)
    for name, (module_name, function, help_text) in COMMANDS.items():
        command = getattr(importlib.import_module(f"hfscaffold.cli.{module_name}"), function)
        assert command.name == name
        assert (command.help or "").split("\n\n")[0].replace("\n", " ").strip() == help_text


def test_help_does_not_import_the_commands() -> None:
    code = (
        "import sys; from hfscaffold.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('hfscaffold.cli.') and not m.startswith('hfscaffold.cli._')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_is_accepted_before_or_after_the_command(run_cli, tmp_path: Path, where: str) -> None:
    missing = str(tmp_path / "nowhere.txt")
    args = ["--debug", "check", missing] if where == "before" else ["check", missing, "--debug"]
    result = run_cli(*args)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_is_global_before_or_after_the_command(where: str, run_cli) -> None:
    project = str(Path(__file__).resolve().parents[1] / "examples" / "my-bert-project")
    loud = run_cli("check", project)
    assert loud.exit_code == 0 and "rules" in loud.stdout  # the summary line
    args = ["-q", "check", project] if where == "before" else ["check", project, "-q"]
    quiet = run_cli(*args)
    assert quiet.exit_code == loud.exit_code
    assert quiet.stdout == "" and loud.stdout != ""


def test_verbose_shows_each_uv_call_with_its_time(run_cli, new_project, offline_uv) -> None:
    project = new_project("proj", "transformers")
    result = run_cli("lock", "--check", "--project", str(project), "-v")
    assert result.exit_code == 0, result.stderr
    calls = [line for line in result.stderr.splitlines() if line.startswith("$ ")]
    assert any(re.fullmatch(r"\$ \S*uv lock .*--check .*: exit 0, \d+\.\d\ds", line) for line in calls), calls
    again = run_cli("lock", "--check", "--project", str(project))
    assert not any(line.startswith("$ ") for line in again.stderr.splitlines())  # nothing outlives the command


def test_a_flag_after_double_dash_is_not_taken_as_global() -> None:
    from hfscaffold.cli._options import hoist_global_flags

    assert hoist_global_flags(["check", "-v", "x", "--", "-q"]) == ["-v", "check", "x", "--", "-q"]


def test_every_command_lists_the_global_options(run_cli) -> None:
    from hfscaffold.cli import COMMANDS

    for name in [*COMMANDS, "matrix list", "matrix verify"]:
        result = run_cli(*name.split(), "--help")
        assert result.exit_code == 0 and "Global options:" in result.stdout, name
        assert "-q, --quiet" in result.stdout and "--debug" in result.stdout, name


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["upgrade", "--policy", "latest"], "Invalid value for '--policy': unknown policy 'latest'", "minor or major"),
        (["upgrade", "--cooldown", "a while"], "Invalid value for '--cooldown': cooldown 'a while'", "36 hours"),
        (["new", "x", "--with", "hub @ https://x"], "Invalid value for '--with': 'hub @ https://x' has a URL", "edit"),
    ],
)
def test_values_with_a_syntax_are_checked_by_their_option(args: list[str], message: str, hint: str, run_cli) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    error, hint_line = result.stderr.splitlines()
    assert error.startswith(f"error: {message}")
    assert hint_line.startswith("hint: ") and hint in hint_line
