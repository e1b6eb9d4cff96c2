"""``[tool.hfscaffold]`` is a model: a typo is bad input with the key it meant, not a silent no-op."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfscaffold.errors import UserError
from hfscaffold.project import load_project
from hfscaffold.settings import parse_settings


def project_with(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "p"\nversion = "1"\ndependencies = []\n\n[tool.hfscaffold]\n{table}\n'
    )
    return tmp_path


@pytest.mark.parametrize(
    ("table", "message", "hint"),
    [
        ('cooldwon = "7 days"', "has no setting 'cooldwon'", "did you mean 'cooldown'?"),
        ('hold-x-y0 = "cooldown"', "has no setting 'hold-x-y0'", "did you mean 'hold-x-y-0'?"),
        ("zzz = 1", "has no setting 'zzz'", "the keys are allow, components, cooldown"),
        ('hold-x-y-0 = "never"', "hold-x-y-0: Input should be 'until-patch' or 'cooldown'", "README"),
        ('allow = "rule"', "allow", "README"),
        ("pylock = 3", "pylock", "README"),
        ("verified = { lock = 'x', extra = 1 }", "verified.extra", "README"),
    ],
)
def test_an_unknown_or_malformed_setting_is_refused_when_the_project_is_read(
    tmp_path: Path, table: str, message: str, hint: str
) -> None:
    with pytest.raises(UserError) as info:
        load_project(project_with(tmp_path, table))
    assert message in info.value.message and hint in (info.value.hint or "")


def test_a_misspelt_setting_is_exit_2_from_any_command(tmp_path: Path, run_cli) -> None:
    project = project_with(tmp_path, 'cooldwon = "7 days"')
    for command in (
        ("lock", "--check", "--project", str(project)),
        ("check", str(project)),
        ("upgrade", "--project", str(project)),
    ):
        result = run_cli(*command)
        assert result.exit_code == 2 and "did you mean 'cooldown'?" in result.stderr


def test_settings_read_their_defaults_and_values() -> None:
    settings = parse_settings({"rules": "compat.toml", "torch-backend": "cpu", "hold-x-y-0": "cooldown"}, source="p")
    assert (
        settings.rule_files == ("compat.toml",)
        and settings.torch_backend == "cpu"
        and settings.hold_x_y_0 == "cooldown"
    )
    defaults = parse_settings({}, source="p")
    assert (
        defaults.rule_files == ()
        and defaults.torch_backend == "pypi"
        and defaults.pylock is False
        and defaults.cooldown is None
    )
    assert parse_settings({"rules": ["a.toml", "b.toml"]}, source="p").rule_files == ("a.toml", "b.toml")


def test_a_table_is_validated_once_and_read_back_as_validated(tmp_path: Path, monkeypatch) -> None:
    import hfscaffold.settings_schema

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    seen: list[str] = []
    real = hfscaffold.settings_schema.validate_settings

    def counting(table, *, source):  # type: ignore[no-untyped-def]
        seen.append(source)
        return real(table, source=source)

    monkeypatch.setattr(hfscaffold.settings_schema, "validate_settings", counting)
    table = {"components": ["transformers"], "rules": ["a.toml"], "verified": {"lock": "abc"}, "cooldown": "3 days"}
    first = parse_settings(table, source="p")
    again = parse_settings(dict(table), source="q")
    assert seen == ["p"] and again == first
    assert again.rule_files == ("a.toml",) and again.verified is not None and again.verified.lock == "abc"
    assert again.components == ("transformers",) and again.rules == ("a.toml",)  # tuples, as the schema gives
    assert parse_settings({**table, "pylock": True}, source="r").pylock and seen == ["p", "r"]
    with pytest.raises(UserError, match="no setting 'cooldwon'"):
        parse_settings({"cooldwon": "7 days"}, source="s")
    with pytest.raises(UserError, match="no setting 'cooldwon'"):
        parse_settings({"cooldwon": "7 days"}, source="s")  # refused again: a refusal is never kept


def test_reading_a_project_imports_no_pydantic_once_its_settings_were_seen(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\nrequires-python = ">=3.10"\ndependencies = []\n'
        '[tool.hfscaffold]\ncomponents = ["transformers"]\ncooldown = "3 days"\n'
    )
    code = (
        "import sys\nfrom hfscaffold.project import load_project\n"
        f"print(load_project(__import__('pathlib').Path({str(project)!r})).settings.cooldown, 'pydantic' in sys.modules)\n"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["3", "days", "True"] and again.stdout.split() == ["3", "days", "False"]
