"""`hfscaffold new` end to end over a fake local index: Copier renders, uv resolves and installs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

from hfscaffold.adapters.uv import find_uv

BERT = ["--with", "transformers,datasets,accelerate"]


def uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([find_uv(), *args], cwd=cwd, capture_output=True, text=True, check=False)


def dependencies(project: Path) -> list[str]:
    return tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]


@pytest.mark.usefixtures("offline_uv")
def test_new_pins_exactly_locks_and_records_answers(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "my-bert-project"
    result = run_cli("new", "my-bert-project", *BERT, "--dest", str(dest), "--no-sync")
    assert result.exit_code == 0, result.stderr

    # Exact pins for the three and the torch they need: the newest the fake index offers.
    assert dependencies(dest) == [
        "transformers==4.45.0",
        "datasets==3.0.0",
        "accelerate==1.0.0",
        "torch==2.5.1",
    ]
    pyproject = tomllib.loads((dest / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f"=={sys.version_info.major}.{sys.version_info.minor}.*"
    assert pyproject["dependency-groups"]["dev"] == ["pytest==8.3.3"]
    assert pyproject["tool"]["hfscaffold"]["components"] == ["accelerate", "datasets", "torch", "transformers"]

    # The lock is the full transitive closure, with hashes, and current for pyproject.toml.
    lock = tomllib.loads((dest / "uv.lock").read_text())
    locked = {p["name"]: p.get("version") for p in lock["package"]}
    assert {"huggingface-hub", "tokenizers", "safetensors", "numpy", "tqdm"} <= set(locked)
    assert all("hash" in p["wheels"][0] for p in lock["package"] if "wheels" in p)
    check = uv("lock", "--check", cwd=dest)
    assert check.returncode == 0, check.stderr

    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "hfscaffold:project"
    assert answers["components"] == ["transformers", "datasets", "accelerate", "torch"]
    assert answers["project_name"] == "my-bert-project"
    for path in ["README.md", ".gitignore", ".python-version", "src/my_bert_project/__init__.py",
                 "tests/test_environment.py", ".github/workflows/ci.yml"]:  # fmt: skip
        assert (dest / path).is_file(), path
    assert not (dest / ".venv").exists()
    assert "Resolved" in result.stderr and "Rendered" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["my-bert-project"]  # no staging folder left


@pytest.mark.usefixtures("offline_uv")
def test_user_pins_and_specifiers_are_honoured(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "p"
    result = run_cli("new", "p", "--with", "transformers==4.44.2,hub<0.25", "--dest", str(dest), "--no-sync")
    assert result.exit_code == 0, result.stderr
    assert dependencies(dest) == ["transformers==4.44.2", "huggingface-hub==0.24.0", "torch==2.5.1"]


@pytest.mark.usefixtures("offline_uv")
def test_new_builds_the_projects_own_environment_and_its_tests_pass(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "demo"
    result = run_cli("new", "demo", *BERT, "--dest", str(dest))
    assert result.exit_code == 0, result.stderr

    venv_python = dest / ".venv" / "bin" / "python"
    assert venv_python.exists()
    # The trap: VIRTUAL_ENV points at the test runner's venv; nothing was installed there.
    assert not any(Path(sys.prefix).glob("lib/python*/site-packages/transformers"))
    installed = subprocess.run(
        [str(venv_python), "-c", "import transformers, datasets, accelerate, torch; print(transformers.__version__)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert installed.stdout.strip() == "4.45.0"

    # The generated tests, run in the project's environment (pytest borrowed from this runner).
    runner_site = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p, "pytest").is_dir())
    env = {**os.environ, "PYTHONPATH": str(runner_site)}
    env.pop("VIRTUAL_ENV", None)
    tests = subprocess.run(
        [str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=dest, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout


@pytest.mark.usefixtures("offline_uv")
def test_new_into_an_existing_empty_folder(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    result = run_cli("new", "empty", "--with", "tokenizers", "--dest", str(dest), "--no-sync")
    assert result.exit_code == 0, result.stderr
    assert dependencies(dest) == ["tokenizers==0.20.0"]


def test_torch_backend_writes_uvs_explicit_index_configuration(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "cuda-project"
    result = run_cli(
        "new", "cuda-project", "--with", "timm,torchvision", "--torch", "cu128", "--dest", str(dest), "--no-lock"
    )
    assert result.exit_code == 0, result.stderr
    pyproject = tomllib.loads((dest / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["index"] == [
        {"name": "pytorch-cu128", "url": "https://download.pytorch.org/whl/cu128", "explicit": True}
    ]
    sources = pyproject["tool"]["uv"]["sources"]
    for name in ("torch", "torchvision"):
        assert sources[name] == [
            {"index": "pytorch-cu128", "marker": "sys_platform == 'linux' or sys_platform == 'win32'"}
        ]
    assert not (dest / "uv.lock").exists()


def test_cpu_backend_takes_torch_from_the_cpu_index(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "cpu-project"
    assert (
        run_cli("new", "cpu-project", "--with", "torch", "--torch", "cpu", "--dest", str(dest), "--no-lock").exit_code
        == 0
    )
    pyproject = tomllib.loads((dest / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["sources"] == {"torch": [{"index": "pytorch-cpu"}]}
    assert pyproject["tool"]["hfscaffold"]["torch-backend"] == "cpu"


@pytest.mark.usefixtures("offline_uv")
@pytest.mark.parametrize("how", ["path", "patch version"])
def test_python_is_a_version_or_an_interpreters_path(tmp_path: Path, run_cli, how: str) -> None:
    import platform

    request = sys.executable if how == "path" else platform.python_version()
    dest = tmp_path / "p"
    result = run_cli("new", "p", "--with", "datasets", "--python", request, "--dest", str(dest), "--no-sync")
    assert result.exit_code == 0, result.stderr
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f'requires-python = "=={minor}.*"' in (dest / "pyproject.toml").read_text()
    result = run_cli(
        "new", "q", "--with", "datasets", "--python", str(tmp_path / "nope" / "python"), "--dest", str(tmp_path / "q")
    )
    assert result.exit_code == 2 and "no such interpreter" in result.stderr
