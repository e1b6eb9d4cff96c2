"""The wheel carries the templates and data, and `new` works from an installed (non-editable) copy."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hfscaffold.adapters.uv import find_uv

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (built,) = out.glob("hfscaffold-*.whl")
    return built


def test_wheel_ships_templates_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    template_files = {
        p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*") if p.is_file()
    }
    assert template_files, "no templates in the checkout"
    for name in template_files:
        assert f"hfscaffold/templates/{name}" in names
    assert "hfscaffold/data/catalog.toml" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "hfscaffold = hfscaffold.cli:main" in entry_points


@pytest.mark.network
def test_new_from_the_installed_wheel(wheel: Path, tmp_path: Path, fake_index, uv_cache: Path) -> None:
    venv = tmp_path / "venv"
    uv = find_uv()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_DEFAULT_INDEX", "UV_INDEX_URL")}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    subprocess.run([uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True, env=env)
    install = subprocess.run(
        [uv, "pip", "install", "--python", str(venv / "bin" / "python"), str(wheel)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr

    work = tmp_path / "work"
    work.mkdir()
    run_env = {**env, **fake_index.environment(uv_cache)}
    result = subprocess.run(
        [str(venv / "bin" / "hfscaffold"), "new", "my-bert-project", "--with", "transformers,datasets,accelerate", "--no-sync"],
        cwd=work, capture_output=True, text=True, env=run_env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    project = work / "my-bert-project"
    assert (project / "uv.lock").is_file() and (project / ".copier-answers.yml").is_file()
    assert '"torch==2.5.1"' in (project / "pyproject.toml").read_text()
    # The template came from the installed package, not from this checkout.
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "from hfscaffold.adapters.render import template_path; print(template_path())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert str(venv) in probe.stdout
