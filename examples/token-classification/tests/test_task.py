"""The task code, end to end, offline: a tiny model built from a config (no Hub download),
a few synthetic sentences, one training step, one prediction, and a safetensors round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

from token_classification.predict import predict
from token_classification.train import build_trainer, load_config, tokenize

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "George", "Anna", "lives", "works", "in", "Paris", "Berlin"]


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    backend = Tokenizer(models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]")


@pytest.fixture
def model() -> BertForTokenClassification:
    torch.manual_seed(0)
    labels = load_config()["model"]["labels"]
    config = BertConfig(
        vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=64, num_labels=len(labels), id2label=dict(enumerate(labels)),
    )  # fmt: skip
    return BertForTokenClassification(config)


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    settings = load_config()
    settings["train"]["output_dir"] = str(tmp_path / "out")
    return settings


def examples() -> Dataset:
    tokens = [["George", "lives", "in", "Paris"], ["Anna", "works", "in", "Berlin"]] * 2
    return Dataset.from_dict({"tokens": tokens, "ner_tags": [[1, 0, 0, 5], [1, 0, 0, 5]] * 2})


def test_one_training_step_changes_the_weights(model, tokenizer, settings) -> None:
    before = [p.detach().clone() for p in model.parameters()]
    data = tokenize(examples(), tokenizer, settings["data"])
    trainer = build_trainer(model, tokenizer, data, data, settings, max_steps=1, use_cpu=True, save_strategy="no")
    result = trainer.train()
    assert result.global_step == 1 and torch.isfinite(torch.tensor(result.training_loss))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_prediction_gives_a_tag_per_word(model, tokenizer) -> None:
    tags = predict([["George", "lives", "in", "Paris"], ["Anna"]], model, tokenizer)
    assert [len(t) for t in tags] == [4, 1]
    assert all(0 <= tag < model.config.num_labels for row in tags for tag in row)


def test_safetensors_round_trip(model, tokenizer, tmp_path: Path) -> None:
    model.save_pretrained(tmp_path / "model")
    assert (tmp_path / "model" / "model.safetensors").is_file()
    reloaded = BertForTokenClassification.from_pretrained(tmp_path / "model")
    sentences = [["George", "works", "in", "Berlin"]]
    assert predict(sentences, reloaded, tokenizer) == predict(sentences, model, tokenizer)

