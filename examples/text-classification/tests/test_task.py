"""The task code, end to end, offline: a tiny model built from a config (no Hub download),
a few synthetic examples, one training step, one prediction, and a safetensors round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from text_classification.predict import predict
from text_classification.train import build_trainer, load_config, tokenize

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "great", "dull", "film", "plot", "loved", "hated", "it"]


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    backend = Tokenizer(models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]")


@pytest.fixture
def model() -> BertForSequenceClassification:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, num_labels=2,
    )  # fmt: skip
    return BertForSequenceClassification(config)


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    settings = load_config()
    settings["train"]["output_dir"] = str(tmp_path / "out")
    settings["data"]["max_length"] = 8
    return settings


def examples() -> Dataset:
    return Dataset.from_dict({"text": ["a great film", "loved it", "a dull plot", "hated it"] * 2, "label": [1, 1, 0, 0] * 2})
def test_one_training_step_changes_the_weights(model, tokenizer, settings) -> None:
    before = [p.detach().clone() for p in model.parameters()]
    data = tokenize(examples(), tokenizer, settings["data"])
    trainer = build_trainer(model, tokenizer, data, data, settings, max_steps=1, use_cpu=True, save_strategy="no")
    result = trainer.train()
    assert result.global_step == 1 and torch.isfinite(torch.tensor(result.training_loss))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_prediction_gives_a_label_per_text(model, tokenizer) -> None:
    labels = predict(["a great film", "a dull plot", "it"], model, tokenizer)
    assert len(labels) == 3 and set(labels) <= {0, 1}


def test_safetensors_round_trip(model, tokenizer, tmp_path: Path) -> None:
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    assert (tmp_path / "model" / "model.safetensors").is_file()
    reloaded = BertForSequenceClassification.from_pretrained(tmp_path / "model")
    texts = ["a great film", "hated it"]
    assert predict(texts, reloaded, tokenizer) == predict(texts, model, tokenizer)

