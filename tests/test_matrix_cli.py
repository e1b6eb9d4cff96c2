from __future__ import annotations

import pytest
from expect import json_data


def test_matrix_list_json_has_every_rule_with_every_field(run_cli) -> None:
    result = run_cli("matrix", "list", "--format", "json")
    assert result.exit_code == 0
    rules = json_data(result.stdout)["rules"]
    assert len(rules) >= 40
    for rule in rules:
        assert {
            "id",
            "summary",
            "when",
            "python",
            "platform",
            "severity",
            "symptom",
            "fix",
            "probe",
            "references",
            "verified",
        } <= set(rule)
        assert rule["references"] and rule["fix"]["prefer"]


def test_matrix_list_table(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli("matrix", "list")
    assert result.exit_code == 0
    assert "diffusers-hub-cached-download" in result.stdout and "rules;" in result.stdout


def test_matrix_show_gives_the_evidence(run_cli) -> None:
    result = run_cli("matrix", "show", "diffusers-hub-cached-download")
    assert result.exit_code == 0
    for text in (
        "when: diffusers <0.29.0, huggingface-hub >=0.26.0",
        "users see: ImportError",
        "fix: diffusers>=0.29.0",
        "probe: ",
        "see: https://github.com/",
    ):
        assert text in result.stdout


def test_matrix_show_unknown_id_suggests(run_cli) -> None:
    result = run_cli("matrix", "show", "diffusers-hub-cached")
    assert result.exit_code == 2 and "did you mean 'diffusers-hub-cached-download'?" in result.stderr
