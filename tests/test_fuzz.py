"""Fuzzing every parser of user input: whatever the bytes, the answer is a value or a UserError
(exit 2 with a message), never another exception. Each parser gets at least FUZZ_EXAMPLES inputs
(10,000 by default): random text, and valid files mutated by deleting, duplicating and inserting;
then one in twenty of that of hostile structure: runaway nesting, huge numbers, binary, huge lines."""

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


@st.composite
def hostile(draw: st.DrawFn, valid: str) -> str:
    """Structure built to break parsers: runaway nesting, numbers of thousands of digits, binary
    bytes, enormous lines; alone or spliced into a valid file."""
    depth = draw(st.integers(50, 6000))
    kind = draw(st.sampled_from(["arrays", "tables", "yaml", "digits", "binary", "line", "nul"]))
    piece = {
        "arrays": "x = " + "[" * depth + "]" * depth,
        "tables": "x = " + "{a = " * depth + "1" + "}" * depth,
        "yaml": "a: " + "[" * depth + "]" * depth,
        "digits": "9" * draw(st.integers(4000, 20000)),
        "binary": draw(st.binary(min_size=1, max_size=2000)).decode("latin-1"),
        "line": draw(st.sampled_from(["x", "a==", "#", "\\"])) * draw(st.integers(10_000, 200_000)),
        "nul": "\0" * draw(st.integers(1, 100_000)),
    }[kind]
    position = draw(st.integers(0, len(valid)))
    return draw(
        st.sampled_from([piece, valid[:position] + piece + valid[position:], valid[:position] + "\n" + piece + "\n"])
    )


MESSAGE_LIMIT = 1000  # what any error message may quote of its input


def fuzz(parse: Callable[[str], object], valid: str, examples: int = EXAMPLES) -> int:
    tried = 0

    def attempt(text: str) -> None:
        nonlocal tried
        tried += 1
        try:
            parse(text)
        except UserError as exc:
            assert exc.message and "Traceback" not in exc.message
            assert len(exc.message) < MESSAGE_LIMIT, exc.message[:200]

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(mutated(valid), st.text(max_size=300)))
    def run(text: str) -> None:
        attempt(text)

    @settings(
        max_examples=max(1, examples // 20), deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(hostile(valid))
    def run_hostile(text: str) -> None:
        attempt(text)

    run()
    run_hostile()
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


ANSWERS = (EXAMPLES_DIR / "my-bert-project" / ".copier-answers.yml").read_text()


def test_answers_loading_never_raises_anything_but_a_user_error(tmp_path: Path) -> None:
    from hfscaffold.adapters.render import read_answers

    answers = tmp_path / ".copier-answers.yml"

    def load(text: str) -> object:
        answers.write_text(text, encoding="utf-8", errors="surrogateescape")
        return read_answers(answers)

    examples = max(1, EXAMPLES // 4)  # YAML is slow to parse: a quarter as many inputs
    assert fuzz(load, ANSWERS, examples) >= examples
