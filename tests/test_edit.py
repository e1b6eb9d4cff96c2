"""`hfscaffold add` / `remove`: any package from the index, pinned exactly, locked with the matrix;
`lock --check` and `doctor` say when a direct requirement is not exact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from expect import json_data

from hfscaffold import _toml

pytestmark = pytest.mark.usefixtures("offline_uv")
DATA = Path(__file__).parent / "data"


def state(project: Path) -> dict[str, bytes]:
    return {name: (project / name).read_bytes() for name in ("pyproject.toml", "uv.lock")}


def requirements(project: Path, group: str | None = None) -> list[str]:
    data = _toml.loads((project / "pyproject.toml").read_text())
    return list(data["dependency-groups"][group] if group else data["project"]["dependencies"])


def locked(project: Path) -> dict[str, str]:
    lock = _toml.loads((project / "uv.lock").read_text())
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}


def test_add_pins_what_uv_resolves_and_says_what_moved(new_project, run_cli) -> None:
    project = new_project("app")
    assert locked(project)["numpy"] == "2.1.0"
    result = run_cli("add", "--project", str(project), "numpy<2", "tqdm==4.66.5; python_version >= '3.8'")
    assert result.exit_code == 0, result.stderr
    assert requirements(project)[-2:] == ["numpy==1.26.4", 'tqdm==4.66.5; python_version >= "3.8"']
    assert " ~ numpy 2.1.0 -> 1.26.4" in result.stdout
    assert "Added numpy==1.26.4, tqdm==4.66.5" in result.stderr
    assert locked(project)["numpy"] == "1.26.4"
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0

    result = run_cli("add", "--project", str(project), "--dev", "safetensors", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json_data(result.stdout)["written"] == {"safetensors": "safetensors==0.4.5"}
    assert requirements(project, "dev") == ["pytest==8.3.3", "safetensors==0.4.5"]


def test_add_steers_around_a_matrix_rule_and_refuses_a_bad_exact_pin(new_project, run_cli) -> None:
    project = new_project("app", "datasets")
    shutil.copy(DATA / "hub-rule.toml", project / "compat.toml")
    text = (
        (project / "pyproject.toml")
        .read_text()
        .replace("[tool.hfscaffold]\n", '[tool.hfscaffold]\nrules = "compat.toml"\n')
    )
    (project / "pyproject.toml").write_text(text)
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    before = state(project)

    result = run_cli("add", "--project", str(project), "transformers==4.45.0", "huggingface-hub==0.26.0")
    assert result.exit_code == 1
    assert "hits matrix rule test-transformers-hub-026" in result.stderr and "--allow" in result.stderr
    assert state(project) == before  # a failed add writes nothing

    result = run_cli("add", "--project", str(project), "transformers")
    assert result.exit_code == 0, result.stderr
    assert "Steered around matrix rule test-transformers-hub-026" in result.stderr
    assert "transformers==4.45.0" in requirements(project) and locked(project)["huggingface-hub"] == "0.24.0"


def test_add_dry_run_and_failures_write_nothing(new_project, run_cli) -> None:
    project = new_project("app")
    before = state(project)
    result = run_cli("add", "--project", str(project), "datasets", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert " + datasets 3.0.0" in result.stdout and "Would add: datasets==3.0.0" in result.stderr
    assert state(project) == before
    for args, code, message in [
        (("no-such-dist",), 3, "no-such-dist was not found in the package registry"),
        (("numpy>>2",), 2, "is not a requirement"),
        (("pkg @ https://example.org/pkg.whl",), 2, "names a URL"),
        (("numpy", "--group", "a b"), 2, "is not a dependency group name"),
    ]:
        result = run_cli("add", "--project", str(project), *args)
        assert result.exit_code == code, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert state(project) == before


def test_remove_drops_the_requirement_and_its_component(new_project, run_cli) -> None:
    project = new_project("app", "transformers,datasets")
    result = run_cli("remove", "--project", str(project), "transformers")
    assert result.exit_code == 0, result.stderr
    assert " - transformers 4.45.0" in result.stdout and " - tokenizers 0.20.0" in result.stdout
    assert not any(r.startswith("transformers") for r in requirements(project))
    settings = _toml.loads((project / "pyproject.toml").read_text())["tool"]["hfscaffold"]
    assert "transformers" not in settings["components"] and "datasets" in settings["components"]
    assert "transformers" not in locked(project)
    before = state(project)
    result = run_cli("remove", "--project", str(project), "pytest")
    assert result.exit_code == 2 and "it is in dependency-groups.dev: pass --group" in result.stderr
    assert state(project) == before
    assert run_cli("remove", "--project", str(project), "--dev", "pytest").exit_code == 0
    assert requirements(project, "dev") == []


def test_a_range_is_a_finding_of_lock_check_and_doctor_unless_exact_is_off(new_project, run_cli) -> None:
    project = new_project("app")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"torch==2.5.1",', '"torch==2.5.1",\n    "numpy>=1.0",'))
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    result = run_cli("lock", "--check", "--project", str(project))
    assert result.exit_code == 1
    assert "not exact: numpy>=1.0 in dependencies is not pinned exactly: run `hfscaffold add numpy`" in result.stdout
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    result = run_cli("doctor", "--project", str(project))
    assert result.exit_code == 1 and "exact: numpy>=1.0 in dependencies is not pinned exactly" in result.stdout

    pyproject.write_text(pyproject.read_text().replace("[tool.hfscaffold]\n", "[tool.hfscaffold]\nexact = false\n"))
    assert run_cli("lock", "--check", "--project", str(project)).exit_code == 0
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    assert run_cli("doctor", "--project", str(project)).exit_code == 0

    assert run_cli("add", "--project", str(project), "numpy").exit_code == 0  # the hint's command pins it
    assert "numpy==2.1.0" in requirements(project)


def test_doctor_finds_a_stale_lock(new_project, run_cli) -> None:
    project = new_project("app")
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    assert run_cli("doctor", "--project", str(project)).exit_code == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"transformers==4.45.0"', '"transformers==4.44.2"'))
    result = run_cli("doctor", "--project", str(project))
    assert result.exit_code == 1
    assert "lock: uv.lock is stale: pyproject.toml changed since it was locked; run `hfscaffold lock`" in result.stdout


def test_add_brings_an_environment_sync_built_in_step_unless_told_not_to(new_project, run_cli) -> None:
    project = new_project("app")
    assert run_cli("add", "--project", str(project), "tqdm").exit_code == 0
    assert not (project / ".venv").exists()  # no environment yet: none is made
    assert run_cli("sync", "--project", str(project)).exit_code == 0
    result = run_cli("add", "--project", str(project), "datasets")
    assert result.exit_code == 0 and "the environment is synced" in result.stderr
    assert run_cli("doctor", "--project", str(project)).exit_code == 0
    result = run_cli("add", "--project", str(project), "safetensors", "--no-sync")
    assert result.exit_code == 0 and "`hfscaffold run` syncs the environment" in result.stderr
    assert "was built from an older uv.lock" in run_cli("doctor", "--project", str(project)).stdout
