"""The matrix against the real index: no false alarm on what users get today; probes really fail."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from expect import json_data
from packaging.version import Version

from hfscaffold.adapters.knowledge_files import builtin_rules
from hfscaffold.adapters.uv import Uv
from hfscaffold.catalog import load_catalog
from hfscaffold.evaluation import evaluate
from hfscaffold.pins import PinSet

pytestmark = pytest.mark.network

COMPONENTS = [c.name for c in load_catalog().components]


@pytest.fixture
def real_index(monkeypatch: pytest.MonkeyPatch) -> Uv:
    for key in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_CACHE_DIR"):
        monkeypatch.delenv(key, raising=False)
    return Uv()


def latest(uv: Uv, requirements: list[str], work: Path) -> PinSet:
    resolved = uv.compile(requirements, python=sys.executable, cwd=work)
    return PinSet({name: (Version(version),) for name, version in resolved.items()}, "+".join(requirements))


@pytest.mark.parametrize("component", COMPONENTS)
def test_the_latest_resolution_of_each_component_fires_no_error_rule(
    component: str, real_index: Uv, tmp_path: Path
) -> None:
    pins = latest(real_index, [component], tmp_path)
    errors = [v.rule.id for v in evaluate(builtin_rules(), pins) if v.rule.severity == "error"]
    assert errors == [], f"{component}: false alarm on today's resolution {pins.as_strings()}"


def test_the_latest_resolution_of_all_components_together_fires_no_error_rule(real_index: Uv, tmp_path: Path) -> None:
    pins = latest(real_index, COMPONENTS, tmp_path)
    errors = [(v.rule.id, v.packages) for v in evaluate(builtin_rules(), pins) if v.rule.severity == "error"]
    assert errors == []


@pytest.mark.usefixtures("real_index")
def test_matrix_verify_confirms_two_light_rules(run_cli) -> None:
    result = run_cli("matrix", "verify", "diffusers-hub-cached-download", "pandas-numpy2-abi", "--format", "json")
    assert result.exit_code == 0, result.stderr
    outcomes = {v["rule"]: v for v in json_data(result.stdout)["verifications"]}
    diffusers = outcomes["diffusers-hub-cached-download"]
    assert diffusers["outcome"] == "confirmed"
    assert diffusers["bad"]["probe_passed"] is False and "cached_download" in diffusers["bad"]["output"]
    assert diffusers["fixed"]["probe_passed"] is True
    assert outcomes["pandas-numpy2-abi"]["outcome"] == "confirmed"


@pytest.mark.usefixtures("real_index")
def test_matrix_verify_skips_rules_that_need_torch(run_cli) -> None:
    result = run_cli("matrix", "verify", "peft-transformers5-hybridcache")
    assert result.exit_code == 0
    assert "skipped  peft-transformers5-hybridcache: needs torch" in result.stdout


STACK = [
    "transformers", "tokenizers", "datasets", "accelerate", "evaluate", "diffusers", "safetensors", "gradio",
    "timm", "peft", "optimum", "huggingface-hub", "torch", "trl",
]  # fmt: skip


@pytest.mark.parametrize("date", ["2023-07-15", "2024-03-15", "2024-09-15", "2025-03-15", "2025-09-15", "2026-03-15"])
def test_what_users_got_in_each_era_raises_no_error(
    date: str, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole stack as a fresh install resolved it on that day (Linux, Python 3.11): a rule
    that fires as an error there is a false alarm."""
    for key in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_CACHE_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("UV_EXCLUDE_NEWER", f"{date}T00:00:00Z")
    (tmp_path / "requirements.txt").write_text("\n".join(STACK) + "\n")
    result = run_cli(
        "check", str(tmp_path / "requirements.txt"), "--python-version", "3.11", "--python-platform", "linux",
        "--format", "json",
    )  # fmt: skip
    data = json_data(result.stdout)
    assert data["resolved"] is True and data["checked"] > 80
    assert [v["rule"] for v in data["violations"] if v["severity"] == "error"] == []
    assert result.exit_code == 0


@pytest.mark.parametrize("package", ["transformers", "gradio", "diffusers", "peft"])
def test_the_exported_constraints_change_no_plain_resolution(package: str, real_index: Uv, tmp_path: Path) -> None:
    """`matrix export` only forbids what is bad on its own: what users get today stays."""
    from hfscaffold.export import as_constraints, export

    rules = builtin_rules()
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(as_constraints(export(rules), version=rules.version, source=None))
    plain = real_index.compile([package], python=sys.executable, cwd=tmp_path)
    constrained = real_index.compile([package, "-c", str(constraints)], python=sys.executable, cwd=tmp_path)
    assert constrained == plain
