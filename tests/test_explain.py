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


def constraint_lines(text: str) -> dict[str, tuple[Requirement, list[str]]]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            requirement, rules = line.split("  # ")
            found[f"{Requirement(requirement).name};{Requirement(requirement).marker or ''}"] = (
                Requirement(requirement),
                rules.split(", "),
            )
    return found


def test_matrix_export_forbids_only_what_is_bad_on_its_own(run_cli) -> None:
    from hfscaffold.adapters.knowledge_files import builtin_rules

    result = run_cli("matrix", "export")
    assert result.exit_code == 0
    lines = constraint_lines(result.stdout)
    known = {rule.id: rule for rule in builtin_rules()}
    for requirement, rule_ids in lines.values():
        for rule_id in rule_ids:  # each constraint comes from a rule about that package alone
            assert list(known[rule_id].when) == [requirement.name], rule_id
    tokenizers, _ = lines['tokenizers;python_full_version >= "3.12"']
    assert str(tokenizers.specifier) == ">=0.14.0"  # the complement of the bad range, for those Pythons only
    assert not any(key.startswith(("diffusers;", "huggingface-hub;")) for key in lines)  # combinations
    assert "diffusers-hub-cached-download" in result.stdout.split("combinations, which concern a pin set")[1]
    assert "# left out: tokenizers-no-cp313-wheel: the good versions of tokenizers" in result.stdout


def test_matrix_export_for_a_pin_set_adds_the_combinations_it_concerns(run_cli, tmp_path: Path) -> None:
    pins = tmp_path / "requirements.txt"
    pins.write_text("huggingface-hub==0.26.0\n")
    lines = constraint_lines(run_cli("matrix", "export", "--for", str(pins)).stdout)
    diffusers, rules = lines["diffusers;"]
    assert diffusers.specifier.contains("0.29.0") and not diffusers.specifier.contains("0.27.2")
    assert rules == ["diffusers-hub-cached-download"]
    pins.write_text("huggingface-hub==0.25.2\n")  # the other half of the combination is not there
    assert "diffusers;" not in constraint_lines(run_cli("matrix", "export", "--for", str(pins)).stdout)


def test_matrix_export_as_renovate_package_rules(run_cli, tmp_path: Path) -> None:
    rules = json.loads(run_cli("matrix", "export", "--format", "renovate").stdout)["packageRules"]
    assert not any("diffusers-hub-cached-download" in r["description"] for r in rules)
    assert not any("tokenizers-no-cp312-wheel" in r["description"] for r in rules)  # Renovate has no markers
    pins = tmp_path / "requirements.txt"
    pins.write_text("huggingface-hub==0.26.0\n")
    rules = json.loads(run_cli("matrix", "export", "--format", "renovate", "--for", str(pins)).stdout)["packageRules"]
    hub = next(r for r in rules if "diffusers-hub-cached-download" in r["description"])
    assert (
        hub["matchDatasources"] == ["pypi"]
        and hub["matchPackageNames"] == ["diffusers"]
        and hub["allowedVersions"] == ">=0.29.0"
    )


@pytest.mark.usefixtures("offline_uv")
def test_status_keeps_the_order_given_at_any_number_of_jobs(new_project, run_cli, tmp_path: Path) -> None:
    projects = [str(new_project(f"p{i}", "datasets")) for i in range(3)]
    broken = tmp_path / "broken"
    broken.mkdir()
    order = [projects[0], str(broken), *projects[1:]]
    for jobs in ("1", "3"):
        result = run_cli("status", *order, "--jobs", jobs, "--format", "json")
        assert result.exit_code == 2  # one folder is no project: its line says so, the rest are read
        rows = json_data(result.stdout)["projects"]
        assert [row["project"] for row in rows] == order
        assert [row["error"] is not None for row in rows] == [False, True, False, False]
    assert run_cli("status", *projects, "--jobs", "0").exit_code == 2
