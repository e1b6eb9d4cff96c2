"""The task code, end to end, offline: a tiny model built from a config (no Hub download),
a few synthetic articles, one training step, one summary, and a safetensors round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

from summarization.predict import predict
from summarization.train import build_trainer, load_config, tokenize

WORDS = ["<pad>", "</s>", "<unk>", "summarize:", "the", "cat", "dog", "sat", "ran", "on", "mat", "park", "in", "."]


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    backend = Tokenizer(models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    backend.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", pad_token="<pad>", eos_token="</s>")


@pytest.fixture
def model() -> T5ForConditionalGeneration:
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=len(WORDS), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )  # fmt: skip
    return T5ForConditionalGeneration(config)


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    settings = load_config()
    settings["train"]["output_dir"] = str(tmp_path / "out")
    return settings


def examples() -> Dataset:
    return Dataset.from_dict({
        "article": ["the cat sat on the mat .", "the dog ran in the park ."] * 2,
        "highlights": ["cat sat .", "dog ran ."] * 2,
    })  # fmt: skip


def test_one_training_step_changes_the_weights(model, tokenizer, settings) -> None:
    before = [p.detach().clone() for p in model.parameters()]
    data = tokenize(examples(), tokenizer, settings)
    trainer = build_trainer(model, tokenizer, data, data, settings, max_steps=1, use_cpu=True, save_strategy="no")
    result = trainer.train()
    assert result.global_step == 1 and torch.isfinite(torch.tensor(result.training_loss))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_prediction_gives_a_summary_per_text(model, tokenizer) -> None:
    summaries = predict(["the cat sat on the mat .", "the dog ran ."], model, tokenizer, prefix="summarize: ", max_new_tokens=5)
    assert len(summaries) == 2 and all(isinstance(s, str) for s in summaries)


def test_safetensors_round_trip(model, tokenizer, tmp_path: Path) -> None:
    model.save_pretrained(tmp_path / "model")
    assert (tmp_path / "model" / "model.safetensors").is_file()
    reloaded = T5ForConditionalGeneration.from_pretrained(tmp_path / "model")
    texts = ["the cat sat on the mat ."]
    assert predict(texts, reloaded, tokenizer, max_new_tokens=4) == predict(texts, model, tokenizer, max_new_tokens=4)

