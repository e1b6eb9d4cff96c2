"""`new` steers around known-bad combinations, with fake wheels that reproduce real rules' patterns."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakeindex import FakeDist, FakeIndex

from hfscaffold import _toml


@pytest.fixture(scope="module")
def bad_pattern_index(tmp_path_factory: pytest.TempPathFactory) -> FakeIndex:
    """diffusers 0.27.2 + huggingface-hub 0.26.0 (cached_download removed); peft 0.17 + transformers 5."""
    return FakeIndex(tmp_path_factory.mktemp("bad-index") / "simple").add(
        [
            FakeDist("huggingface-hub", "0.25.2"),
            FakeDist("huggingface-hub", "0.26.0"),
            FakeDist("diffusers", "0.27.2", ("huggingface-hub>=0.20",)),
            FakeDist("diffusers", "0.29.0", ("huggingface-hub>=0.23",)),
            FakeDist("torch", "2.6.0"),
            FakeDist("transformers", "4.57.0", ("huggingface-hub",)),
            FakeDist("transformers", "5.0.0", ("huggingface-hub",)),
            FakeDist("peft", "0.17.0", ("transformers", "torch")),
            FakeDist("pytest", "8.3.3"),
        ]
    )


@pytest.fixture
def index(
    bad_pattern_index: FakeIndex, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> FakeIndex:
    for key, value in bad_pattern_index.environment(tmp_path_factory.getbasetemp() / "repair-cache").items():
        monkeypatch.setenv(key, value)
    return bad_pattern_index


def pyproject(project: Path) -> dict:
    return _toml.loads((project / "pyproject.toml").read_text())


def locked(project: Path) -> dict[str, str]:
    lock = _toml.loads((project / "uv.lock").read_text())
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}


@pytest.mark.usefixtures("index")
def test_new_steers_to_the_alternative_fix_when_the_user_holds_the_preferred_one(tmp_path: Path, run_cli) -> None:
    dest = tmp_path / "art"
    result = run_cli("new", "art", "--with", "diffusers<0.29,hub", "--dest", str(dest), "--no-sync")
    assert result.exit_code == 0, result.stderr
    assert (
        "Steered around matrix rule diffusers-hub-cached-download: constrained huggingface-hub<0.26.0" in result.stderr
    )
    data = pyproject(dest)
    assert data["project"]["dependencies"] == ["diffusers==0.27.2", "huggingface-hub==0.25.2", "torch==2.6.0"]
    assert data["tool"]["uv"]["constraint-dependencies"] == ["huggingface-hub<0.26.0"]
    assert "# hfscaffold matrix: diffusers-hub-cached-download" in (dest / "pyproject.toml").read_text()
    assert locked(dest)["huggingface-hub"] == "0.25.2"
    assert run_cli("check", str(dest)).exit_code == 0


@pytest.mark.usefixtures("index")
def test_without_repair_the_same_choice_would_be_broken(tmp_path: Path, run_cli) -> None:
    """The control: with the rule allowed, uv's own pick is the known-bad pair, and check says so."""
    dest = tmp_path / "art"
    result = run_cli(
        "new",
        "art",
        "--with",
        "diffusers<0.29,hub",
        "--dest",
        str(dest),
        "--no-sync",
        "--allow",
        "diffusers-hub-cached-download",
    )
    assert result.exit_code == 0, result.stderr
    assert locked(dest)["huggingface-hub"] == "0.26.0" and locked(dest)["diffusers"] == "0.27.2"
    assert pyproject(dest)["tool"]["hfscaffold"]["allow"] == ["diffusers-hub-cached-download"]
    assert "allowed error: diffusers-hub-cached-download" in result.stderr  # shown, though allowed
    # check shows it as allowed and passes; without the project's record it fails.
    checked = run_cli("check", str(dest))
    assert checked.exit_code == 0 and "allowed error: diffusers-hub-cached-download" in checked.stdout
    assert run_cli("check", str(dest / "uv.lock")).exit_code == 1


@pytest.mark.usefixtures("index")
def test_a_fix_uv_cannot_satisfy_falls_back_to_the_rules_alternative(tmp_path: Path, run_cli) -> None:
    # peft>=0.18 (the preferred fix) does not exist in this index: uv fails, so transformers<5 is used.
    dest = tmp_path / "tune"
    result = run_cli("new", "tune", "--with", "peft,transformers", "--dest", str(dest), "--no-sync")
    assert result.exit_code == 0, result.stderr
    assert pyproject(dest)["project"]["dependencies"][:2] == ["peft==0.17.0", "transformers==4.57.0"]
    assert pyproject(dest)["tool"]["uv"]["constraint-dependencies"] == ["transformers<5.0.0"]


@pytest.mark.usefixtures("index")
def test_a_users_own_pins_that_hit_a_rule_are_refused_with_the_explanation(tmp_path: Path, run_cli) -> None:
    result = run_cli(
        "new", "art", "--with", "diffusers==0.27.2,hub==0.26.0", "--dest", str(tmp_path / "art"), "--no-sync"
    )
    assert result.exit_code == 1
    error, hint = result.stderr.strip().splitlines()[-2:]
    assert error.startswith(
        "error: diffusers==0.27.2, huggingface-hub==0.26.0 hits matrix rule diffusers-hub-cached-download"
    )
    assert "cannot import name 'cached_download'" in error
    assert hint.startswith(
        "hint: choose diffusers>=0.29.0 or huggingface-hub<0.26.0; or pass --allow diffusers-hub-cached-download"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_allow_id_is_a_typo(tmp_path: Path, run_cli) -> None:
    result = run_cli(
        "new", "x", "--with", "datasets", "--allow", "diffusers-hub-cached-downlod", "--dest", str(tmp_path / "x")
    )
    assert result.exit_code == 2
    assert (
        "no rule 'diffusers-hub-cached-downlod'" in result.stderr
        and "did you mean 'diffusers-hub-cached-download'" in result.stderr
    )
