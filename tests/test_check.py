"""`hfscaffold check` over every input kind, with the JSON contract and the exit codes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from expect import json_data

BAD = "diffusers==0.27.2\nhuggingface-hub==0.26.0\n"
GOOD = "diffusers==0.29.0\nhuggingface-hub==0.26.0\n"
BAD_LOCK = """\
version = 1
requires-python = ">=3.10"

[[package]]
name = "diffusers"
version = "0.27.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "huggingface-hub"
version = "0.26.0"
source = { registry = "https://pypi.org/simple" }
"""
BAD_PYLOCK = 'lock-version = "1.0"\n\n[[packages]]\nname = "diffusers"\nversion = "0.27.2"\n\n[[packages]]\nname = "huggingface-hub"\nversion = "0.26.0"\n'
MY_RULE = """
[[rule]]
id = "my-team-no-old-tokenizers"
summary = "our tokenizer files need tokenizers 0.20 with transformers 4.45"
severity = "warning"
symptom = "Exception: data did not match any variant of untagged enum ModelWrapper"
probe = "import tokenizers"
references = ["https://github.com/huggingface/tokenizers/issues/1553"]
[rule.when]
tokenizers = "<0.20"
transformers = ">=4.45"
[rule.fix]
prefer = { tokenizers = ">=0.20" }
"""


@pytest.mark.parametrize(
    ("name", "content"),
    [("requirements.txt", BAD), ("uv.lock", BAD_LOCK), ("pylock.toml", BAD_PYLOCK), ("frozen", BAD_LOCK)],
)
def test_every_file_kind_finds_the_violation(name: str, content: str, tmp_path: Path, run_cli) -> None:
    target = tmp_path / name
    target.write_text(content)
    result = run_cli("check", "--no-resolve", str(target))
    assert result.exit_code == 1
    assert "error: diffusers-hub-cached-download: diffusers==0.27.2, huggingface-hub==0.26.0" in result.stdout
    assert "users see: ImportError: cannot import name 'cached_download'" in result.stdout
    assert "fix: diffusers>=0.29.0 (or huggingface-hub<0.26.0)" in result.stdout
    assert "see: https://github.com/" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("Checked 2 packages from")


def test_a_clean_set_exits_0(tmp_path: Path, run_cli) -> None:
    (tmp_path / "requirements.txt").write_text(GOOD)
    result = run_cli("check", "--no-resolve", str(tmp_path / "requirements.txt"))
    assert result.exit_code == 0 and "no known-bad combination" in result.stdout


@pytest.mark.parametrize(("content", "code"), [(BAD, 1), (GOOD, 0), (BAD_LOCK, 1), (BAD_PYLOCK, 1)])
def test_standard_input(content: str, code: int, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(content))
    assert run_cli("check", "--no-resolve", "-").exit_code == code


def test_json_output_is_a_contract(tmp_path: Path, run_cli) -> None:
    (tmp_path / "r.txt").write_text(BAD + "torch==2.5.1\n")
    result = run_cli("check", "--no-resolve", str(tmp_path / "r.txt"), "--format", "json")
    assert result.exit_code == 1
    data = json_data(result.stdout)
    assert (
        set(data)
        == {
            "checked",
            "targets",
            "violations",
            "allowed",
            "advisories",
            "resolved",
            "undecided",
            "not_evaluated",
            "deep",
        }
        and data["checked"] == 3
        and data["resolved"] is False
        and data["allowed"] == []
    )
    (violation,) = data["violations"]
    assert set(violation) == {
        "rule",
        "severity",
        "summary",
        "packages",
        "where",
        "notes",
        "affects",
        "symptom",
        "fix",
        "references",
        "mined",
    }
    assert violation["rule"] == "diffusers-hub-cached-download" and violation["severity"] == "error"
    assert violation["packages"] == {"diffusers": "0.27.2", "huggingface-hub": "0.26.0"}
    assert violation["fix"]["prefer"] == {"diffusers": ">=0.29.0"}


def test_warnings_are_printed_but_exit_0(tmp_path: Path, run_cli) -> None:
    (tmp_path / "compat.toml").write_text(MY_RULE)
    (tmp_path / "r.txt").write_text("tokenizers==0.19.1\ntransformers==4.45.0\n")
    result = run_cli("check", "--no-resolve", str(tmp_path / "r.txt"), "--rules", str(tmp_path / "compat.toml"))
    assert result.exit_code == 0
    assert "warning: my-team-no-old-tokenizers" in result.stdout and "0 errors, 1 warning" in result.stdout


def test_a_projects_own_rules_apply(tmp_path: Path, run_cli) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n\n[tool.hfscaffold]\nrules = "compat.toml"\n')
    (tmp_path / "compat.toml").write_text(MY_RULE.replace('"warning"', '"error"'))
    (tmp_path / "uv.lock").write_text(
        BAD_LOCK.replace("diffusers", "tokenizers")
        .replace("0.27.2", "0.19.1")
        .replace("huggingface-hub", "transformers")
        .replace("0.26.0", "4.45.0")
    )
    result = run_cli("check", str(tmp_path))
    assert result.exit_code == 1 and "my-team-no-old-tokenizers" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("transformers=>4\n", "r.txt:1: cannot parse 'transformers=>4'"),
        ("version = 1\n[[package]\n", "not valid TOML"),
    ],
)
def test_an_unreadable_file_exits_2_without_a_traceback(content: str, message: str, tmp_path: Path, run_cli) -> None:
    (tmp_path / "r.txt").write_text(content)
    result = run_cli("check", "--no-resolve", str(tmp_path / "r.txt"))
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_rule_file_exits_2_naming_file_rule_and_field(tmp_path: Path, run_cli) -> None:
    (tmp_path / "compat.toml").write_text(MY_RULE.replace('tokenizers = "<0.20"', 'tokenizers = "<<0.20"'))
    (tmp_path / "r.txt").write_text(GOOD)
    result = run_cli("check", "--no-resolve", str(tmp_path / "r.txt"), "--rules", str(tmp_path / "compat.toml"))
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'compat.toml'}: rule[0] (my-team-no-old-tokenizers).when" in result.stderr


@pytest.mark.usefixtures("offline_uv")
def test_env_checks_the_projects_installed_environment(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "envcheck"
    assert run_cli("new", "envcheck", "--with", "transformers", "--dest", str(dest)).exit_code == 0
    result = run_cli("check", str(dest), "--env", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json_data(result.stdout)["checked"] >= 5  # transformers, hub, tokenizers, ..., torch

    python = dest / ".venv" / "bin" / "python"
    result = run_cli("check", "--python", str(python))
    assert result.exit_code == 0 and "no known-bad combination" in result.stdout
    assert str(dest / ".venv") in result.stdout


def test_env_without_an_environment_exits_2(tmp_path: Path, run_cli) -> None:
    result = run_cli("check", str(tmp_path), "--env")
    assert result.exit_code == 2 and "has no Python interpreter" in result.stderr


def test_check_flags_a_locked_version_with_a_known_advisory(tmp_path: Path, run_cli) -> None:
    (tmp_path / "r.txt").write_text("transformers==4.30.0\ntokenizers==0.13.3\n")
    result = run_cli("check", "--no-resolve", str(tmp_path / "r.txt"))
    assert result.exit_code == 0  # reported; --fail-on-advisories makes it fail
    assert (
        "advisory (error): transformers-rag-pickle-cve-2023-6730: transformers==4.30.0 (CVE-2023-6730, GHSA-3863-2447-669p)"
        in result.stdout
    )
    assert "fix: transformers>=4.36.0" in result.stdout
    assert result.stdout.rstrip().endswith("security advisories")
    assert run_cli("check", "--no-resolve", str(tmp_path / "r.txt"), "--fail-on-advisories").exit_code == 1

    data = json_data(run_cli("check", "--no-resolve", str(tmp_path / "r.txt"), "--format", "json").stdout)
    assert data["violations"] == []
    ids = {advisory["rule"]: advisory["advisories"] for advisory in data["advisories"]}
    assert ids["transformers-rag-pickle-cve-2023-6730"] == ["CVE-2023-6730", "GHSA-3863-2447-669p"]

    (tmp_path / "new.txt").write_text("transformers==5.22.2\ntokenizers==0.23.3\n")
    assert "advisory" not in run_cli("check", "--no-resolve", str(tmp_path / "new.txt")).stdout


def test_diff_says_which_advisories_an_upgrade_fixes(tmp_path: Path, run_cli) -> None:
    (tmp_path / "old.txt").write_text("transformers==4.44.2\n")
    (tmp_path / "new.txt").write_text("transformers==4.48.0\n")
    review = json_data(run_cli("diff", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"), "--format", "json").stdout)
    fixed = {a["rule"] for a in review["advisories_fixed"]}
    assert "transformers-mobilevitv2-deserialization-cve-2024-11392" in fixed
    remaining = {a["rule"] for a in review["advisories_remaining"]}
    assert remaining == {"transformers-attn-implementation-rce-cve-2026-4372"}  # fixed in 5.3.0
    markdown = run_cli("diff", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"), "--format", "md").stdout
    assert "### Security advisories" in markdown and "- fixed by this upgrade: CVE-2024-11392" in markdown
