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
