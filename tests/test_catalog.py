from __future__ import annotations

import pytest
from pydantic import ValidationError

from hfscaffold.catalog import Catalog, choose, load_catalog, parse_choice, split_with_items
from hfscaffold.errors import ExitCode, UserError
from hfscaffold.validation import describe_validation_error

HF_STACK = [
    "transformers", "tokenizers", "datasets", "accelerate", "evaluate", "diffusers", "safetensors",
    "gradio", "timm", "peft", "optimum", "bitsandbytes", "huggingface-hub", "trl", "sentence-transformers",
]  # fmt: skip
COMPANIONS = ["torch", "torchvision", "lightning", "torchmetrics", "streamlit"]


def test_catalog_covers_the_stack_and_companions() -> None:
    names = {c.name for c in load_catalog().components}
    assert set(HF_STACK) | set(COMPANIONS) <= names


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hub", "huggingface-hub"),
        ("HF_Hub", "huggingface-hub"),
        ("huggingface_hub", "huggingface-hub"),
        ("Huggingface.Hub", "huggingface-hub"),
        ("Transformers", "transformers"),
        ("bnb", "bitsandbytes"),
        ("sbert", "sentence-transformers"),
        ("pytorch", "torch"),
    ],
)
def test_aliases_case_and_separators_fold(given: str, expected: str) -> None:
    assert load_catalog().get(given).name == expected


@pytest.mark.parametrize(
    ("typo", "suggestion"), [("transformerz", "transformers"), ("dataset", "datasets"), ("acelerate", "accelerate")]
)
def test_unknown_name_suggests_the_closest(typo: str, suggestion: str) -> None:
    with pytest.raises(UserError) as info:
        load_catalog().get(typo)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert f"did you mean '{suggestion}'?" in (info.value.hint or "")


def test_candle_is_explained_as_a_rust_crate() -> None:
    with pytest.raises(UserError) as info:
        load_catalog().get("candle")
    assert "Rust crate" in info.value.message
    assert "cargo add" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("item", "requirement", "exact"),
    [
        ("transformers", "transformers", None),
        ("transformers==4.44.2", "transformers==4.44.2", "4.44.2"),
        ("hub>=0.24,<1", "huggingface-hub<1,>=0.24", None),
        ("transformers~=4.44.0", "transformers~=4.44.0", None),
        ("transformers==4.44.*", "transformers==4.44.*", None),
        ("transformers[torch]==4.44.2", "transformers[torch]==4.44.2", "4.44.2"),
    ],
)
def test_with_items_keep_the_users_specifier(item: str, requirement: str, exact: str | None) -> None:
    choice = parse_choice(item, load_catalog())
    assert choice.requirement == requirement
    assert choice.exact_version == exact


@pytest.mark.parametrize("item", ["transformers==banana", "transformers>>4", "transformers @ https://x/y.whl", "==4.0"])
def test_malformed_items_are_refused_on_one_line(item: str) -> None:
    with pytest.raises(UserError) as info:
        parse_choice(item, load_catalog())
    assert "\n" not in info.value.message


def test_commas_split_items_but_not_specifiers() -> None:
    assert split_with_items(["transformers>=4.40,<5,datasets", "accelerate,", " hub "]) == [
        "transformers>=4.40,<5",
        "datasets",
        "accelerate",
        "hub",
    ]


def test_torch_is_added_when_a_choice_needs_it() -> None:
    names = [(c.name, c.implied) for c in choose(["transformers", "datasets"])]
    assert names == [("transformers", False), ("datasets", False), ("torch", True)]
    assert [c.name for c in choose(["datasets", "tokenizers"])] == ["datasets", "tokenizers"]
    assert [c.name for c in choose(["torch==2.5.1", "accelerate"])] == ["torch", "accelerate"]


def test_the_same_component_twice_is_refused() -> None:
    with pytest.raises(UserError, match="more than once"):
        choose(["hub", "huggingface_hub==0.26.0"])


def test_a_malformed_catalog_names_entry_and_field() -> None:
    data = {
        "component": [
            {"name": "Transformers", "family": "hf", "needs_torch": True, "repository": "https://github.com/a/b", "description": "x"},
            {"name": "datasets", "family": "nope", "needs_torch": False, "repository": "ftp://x", "description": "y"},
        ]
    }  # fmt: skip
    with pytest.raises(ValidationError) as info:
        Catalog.model_validate(data)
    message = describe_validation_error("catalog.toml", info.value, data)
    lines = message.splitlines()
    assert any(line.startswith("catalog.toml: component[0] (Transformers).name:") for line in lines)
    assert any(line.startswith("catalog.toml: component[1] (datasets).family:") for line in lines)
    assert any(line.startswith("catalog.toml: component[1] (datasets).repository:") for line in lines)
