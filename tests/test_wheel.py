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
    assert "hfscaffold = hfscaffold.cli:console" in entry_points


def install_into_own_venv(wheel: Path, venv: Path, env: dict[str, str]) -> None:
    """The wheel installed alone in a venv of its own, as pipx and uv tool install it."""
    uv = find_uv()
    subprocess.run([uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True, env=env)
    install = subprocess.run(
        [uv, "pip", "install", "--python", str(venv / "bin" / "python"), str(wheel)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr


@pytest.mark.network
def test_new_from_the_installed_wheel(wheel: Path, tmp_path: Path, fake_index, uv_cache: Path) -> None:
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_DEFAULT_INDEX", "UV_INDEX_URL")}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    install_into_own_venv(wheel, venv, env)

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


@pytest.mark.network
def test_a_users_day_with_only_the_hfscaffold_script_on_path(wheel: Path, tmp_path: Path) -> None:
    """Installed pipx-style: hfscaffold's own venv, its script linked into a bin folder, no uv and
    no activated environment; the README's commands work in order against the real index."""
    venv = tmp_path / "tool-venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_") and k != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    install_into_own_venv(wheel, venv, env)
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "hfscaffold").symlink_to(venv / "bin" / "hfscaffold")
    # The system's programs (git, a python), nothing of uv's, hfscaffold's venv not activated.
    env["PATH"] = os.pathsep.join([str(bin_folder), str(Path(sys.base_prefix) / "bin"), "/usr/bin", "/bin"])
    env["HOME"] = str(tmp_path / "home")
    work = tmp_path / "work"
    work.mkdir()

    def hfscaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["hfscaffold", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)

    assert subprocess.run(["sh", "-c", "command -v uv"], env=env, capture_output=True, check=False).returncode != 0
    made = hfscaffold("new", "text-data", "--with", "tokenizers,safetensors", "--no-sync", cwd=work)
    assert made.returncode == 0, made.stderr
    assert "Next: cd text-data && hfscaffold run pytest" in made.stdout
    project = work / "text-data"
    for args in (
        ["run", "pytest", "-q", "-p", "no:cacheprovider"],  # the printed next step: syncs, then the tests
        ["run", "python", "-m", "text_data"],  # the project's own package imports in its environment
        ["add", "tqdm"],
        ["lock", "--check"],
        ["doctor"],
        ["update", "--dry-run"],
    ):
        if args[:3] == ["run", "python", "-m"]:
            (project / "src" / "text_data" / "__main__.py").write_text("print('text_data runs')\n")
        result = hfscaffold(*args, cwd=project)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert "tqdm==" in (project / "pyproject.toml").read_text()
