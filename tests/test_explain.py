"""`why`, `status` and `matrix export`: the knowledge, explained and shared."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from expect import json_data
from packaging.requirements import Requirement


@pytest.fixture
def project(offline_uv, tmp_path: Path, run_cli) -> Path:
    dest = tmp_path / "explained"
    assert (
        run_cli("new", "explained", "--with", "transformers==4.44.2", "--dest", str(dest), "--no-sync").exit_code == 0
    )
    return dest


def test_why_names_who_requires_a_package_and_the_projects_pin(project: Path, run_cli) -> None:
    result = run_cli("why", "huggingface_hub", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "huggingface-hub 0.26.0"
    assert "not a direct requirement of the project" in result.stdout
    assert "required by tokenizers 0.19.1\n" in result.stdout
    assert "required by transformers 4.44.2" in result.stdout

    data = json_data(run_cli("why", "transformers", "--project", str(project), "--format", "json").stdout)
    assert data["direct"] == "transformers==4.44.2" and data["versions"] == ["4.44.2"]
    assert "<4.45,>=4.44.2" in data["policy"]
    assert any("CVE-2024-11392" in line for line in data["advisories"])


def test_why_names_the_matrix_rule_that_constrains_a_pin(project: Path, run_cli, tmp_path: Path) -> None:
    shutil.copy(Path(__file__).parent / "data" / "hub-rule.toml", project / "compat.toml")
    text = (project / "pyproject.toml").read_text().replace('"transformers==4.44.2"', '"transformers==4.45.0"')
    (project / "pyproject.toml").write_text(
        text.replace("[tool.hfscaffold]\n", '[tool.hfscaffold]\nrules = "compat.toml"\n')
    )
    assert run_cli("lock", "--project", str(project)).exit_code == 0
    result = run_cli("why", "huggingface-hub", "--project", str(project))
    assert "constrained to huggingface-hub<0.26 by matrix rule test-transformers-hub-026" in result.stdout
    assert "see https://github.com/huggingface/transformers/issues/1" in result.stdout


def test_why_an_unknown_package(project: Path, run_cli) -> None:
    result = run_cli("why", "numpyy", "--project", str(project))
    assert result.exit_code == 2 and "numpyy is not in the lock" in result.stderr


def test_status_one_line_per_project(project: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("status", str(project), str(tmp_path / "nowhere"), "--format", "json")
    assert result.exit_code == 2, result.stderr  # every project is reported; one that cannot be read is bad input
    first, second = json_data(result.stdout)["projects"]
    assert first["violations"] == 0 and first["advisories"] >= 3  # transformers 4.44.2 has published advisories
    assert first["newer_patches"] == [] and first["lock_age_days"] < 1
    assert "has no pyproject.toml" in second["error"]
    assert run_cli("status", str(project)).exit_code == 0
    line = run_cli("status", str(project)).stdout.strip()
    assert line.startswith(f"{project}: template ") and "pins with a newer patch release" in line


def test_matrix_export_as_constraints_that_pip_and_uv_read(run_cli, tmp_path: Path) -> None:
    result = run_cli("matrix", "export")
    assert result.exit_code == 0
    lines = [line.split("#")[0].strip() for line in result.stdout.splitlines() if line and not line.startswith("#")]
    requirements = {Requirement(line).name: Requirement(line).specifier for line in lines}
    assert requirements["diffusers"].contains("0.29.0") and not requirements["diffusers"].contains("0.27.2")
    assert not any(line.startswith("# diffusers") for line in result.stdout.splitlines())
    assert "diffusers-hub-cached-download" in result.stdout


def test_matrix_export_as_renovate_package_rules(run_cli) -> None:
    rules = json.loads(run_cli("matrix", "export", "--format", "renovate").stdout)["packageRules"]
    hub = next(r for r in rules if "diffusers-hub-cached-download" in r["description"])
    assert (
        hub["matchDatasources"] == ["pypi"]
        and hub["matchPackageNames"] == ["diffusers"]
        and hub["allowedVersions"] == ">=0.29.0"
    )
