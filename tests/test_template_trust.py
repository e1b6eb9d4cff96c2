"""Templates from outside the package run no code unless the user trusts them."""

from __future__ import annotations

from pathlib import Path

import pytest


def template_with_a_task(root: Path) -> Path:
    template = root / "their-template"
    template.mkdir()
    (template / "copier.yml").write_text(
        "_tasks:\n  - \"python -c \\\"open('tasks-ran', 'w').write('yes')\\\"\"\nproject_name:\n  type: str\n"
    )
    (template / "pyproject.toml.jinja").write_text(
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.10,<3.14"\n'
        'dependencies = [{% for c in components %}"{{ c }}", {% endfor %}]\n\n[tool.uv]\npackage = false\n'
    )
    (template / "README.md.jinja").write_text("# {{ project_name }} from their template\n")
    return template


def test_a_template_with_tasks_is_refused_without_trust(tmp_path: Path, run_cli) -> None:
    template = template_with_a_task(tmp_path)
    result = run_cli(
        "new",
        "theirs",
        "--with",
        "datasets",
        "--template",
        str(template),
        "--dest",
        str(tmp_path / "theirs"),
        "--no-lock",
    )
    assert result.exit_code == 2
    assert "runs code" in result.stderr and "refused" in result.stderr and "pass --trust" in result.stderr
    assert not (tmp_path / "theirs").exists()


@pytest.mark.usefixtures("offline_uv")
def test_a_trusted_template_runs_its_tasks_and_is_locked(tmp_path: Path, run_cli) -> None:
    # (the template stops below Python 3.14: the fake index has no datasets that works there)
    template = template_with_a_task(tmp_path)
    dest = tmp_path / "theirs"
    result = run_cli(
        "new", "theirs", "--with", "datasets", "--template", str(template), "--trust", "--dest", str(dest), "--no-sync"
    )
    assert result.exit_code == 0, result.stderr
    assert (dest / "README.md").read_text() == "# theirs from their template\n"
    assert (dest / "tasks-ran").read_text() == "yes"
    assert '"datasets==3.0.0"' in (dest / "pyproject.toml").read_text()


def test_the_bundled_template_runs_no_code() -> None:
    import yaml

    from hfscaffold.adapters.render import template_path

    settings = yaml.safe_load((template_path("project") / "copier.yml").read_text())
    assert not {"_tasks", "_migrations", "_jinja_extensions"} & set(settings)
