"""Fuzzing every parser of user input: whatever the bytes, the answer is a value or a UserError
(exit 2 with a message), never another exception. Each parser gets at least FUZZ_EXAMPLES inputs
(10,000 by default): random text, and valid files mutated by deleting, duplicating and inserting."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfscaffold.errors import UserError
from hfscaffold.matrix import parse_rules
from hfscaffold.pins import read_pylock, read_requirements, read_uv_lock, sniff
from hfscaffold.project import load_project

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10000"))
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"

UV_LOCK = (EXAMPLES_DIR / "my-bert-project" / "uv.lock").read_text()[:6000]
PYPROJECT = (EXAMPLES_DIR / "my-bert-project" / "pyproject.toml").read_text()
PYLOCK = 'lock-version = "1.0"\ncreated-by = "uv"\n\n[[packages]]\nname = "diffusers"\nversion = "0.27.2"\n\n[[packages]]\nname = "hub"\ndirectory = { path = "." }\n'
REQUIREMENTS = 'transformers[torch]==4.44.2 ; python_version >= "3.10"  # pinned\ntokenizers==0.19.1 \\\n    --hash=sha256:00\n-e ./local\nx @ file:///tmp/x.whl\n'
RULES = (Path(__file__).parent / "data" / "hub-rule.toml").read_text()


@st.composite
def mutated(draw: st.DrawFn, valid: str) -> str:
    """A valid file with a few random edits: the inputs most likely to reach deep parser code."""
    text = valid
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate"]))
        if edit == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)) :]
        elif edit == "insert":
            text = text[:position] + draw(st.text(st.characters(codec="utf-8"), max_size=12)) + text[position:]
        elif edit == "duplicate":
            end = min(len(text), position + draw(st.integers(1, 80)))
            text = text[:end] + text[position:end] + text[end:]
        else:
            text = text[:position]
    return text


def fuzz(parse: Callable[[str], object], valid: str) -> int:
    tried = 0

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(mutated(valid), st.text(max_size=300)))
    def run(text: str) -> None:
        nonlocal tried
        tried += 1
        try:
            parse(text)
        except UserError as exc:
            assert exc.message and "Traceback" not in exc.message

    run()
    return tried


@pytest.mark.parametrize(
    ("name", "parse", "valid"),
    [
        ("uv.lock", lambda t: read_uv_lock(t), UV_LOCK),
        ("pylock.toml", lambda t: read_pylock(t), PYLOCK),
        ("requirements", lambda t: read_requirements(t), REQUIREMENTS),
        ("sniffed standard input", lambda t: sniff(t, source="<stdin>"), UV_LOCK),
        ("rule file", lambda t: parse_rules(t, source="compat.toml"), RULES),
    ],
)
def test_parsers_never_raise_anything_but_a_user_error(name: str, parse: Callable[[str], object], valid: str) -> None:
    assert fuzz(parse, valid) >= EXAMPLES, name


def test_pyproject_loading_never_raises_anything_but_a_user_error(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"

    def load(text: str) -> object:
        pyproject.write_text(text, encoding="utf-8")
        project = load_project(tmp_path)
        project.constraints()
        project.rule_files()
        return project.allowed_rules()

    assert fuzz(load, PYPROJECT) >= EXAMPLES
