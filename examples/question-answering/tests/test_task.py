"""The task code, end to end, offline: a tiny model built from a config (no Hub download),
a few synthetic questions, one training step, one prediction, and a safetensors round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import BertConfig, BertForQuestionAnswering, PreTrainedTokenizerFast

from question_answering.predict import predict
from question_answering.train import build_trainer, load_config, tokenize

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "where", "does", "anna", "george", "live", "lives", "in", "paris", "berlin", "?", "."]


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    vocab = {word: i for i, word in enumerate(WORDS)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]")


@pytest.fixture
def model() -> BertForQuestionAnswering:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
    )  # fmt: skip
    return BertForQuestionAnswering(config)


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    settings = load_config()
    settings["train"]["output_dir"] = str(tmp_path / "out")
    settings["data"]["max_length"] = 24
    return settings


def examples() -> Dataset:
    contexts = ["anna lives in paris .", "george lives in berlin ."]
    return Dataset.from_dict({
        "question": ["where does anna live ?", "where does george live ?"] * 2,
        "context": contexts * 2,
        "answers": [{"text": ["paris"], "answer_start": [14]}, {"text": ["berlin"], "answer_start": [16]}] * 2,
    })  # fmt: skip


def test_answers_are_labelled_on_their_tokens(tokenizer, settings) -> None:
    data = tokenize(examples(), tokenizer, settings["data"])
    first = data[0]
    assert tokenizer.convert_ids_to_tokens(first["input_ids"][first["start_positions"]]) == "paris"
    assert first["start_positions"] == first["end_positions"]


def test_one_training_step_changes_the_weights(model, tokenizer, settings) -> None:
    before = [p.detach().clone() for p in model.parameters()]
    data = tokenize(examples(), tokenizer, settings["data"])
    trainer = build_trainer(model, tokenizer, data, data, settings, max_steps=1, use_cpu=True, save_strategy="no")
    result = trainer.train()
    assert result.global_step == 1 and torch.isfinite(torch.tensor(result.training_loss))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_prediction_is_a_span_of_the_context(model, tokenizer) -> None:
    context = "anna lives in paris ."
    answer = predict("where does anna live ?", context, model, tokenizer)
    assert answer and answer in context


def test_safetensors_round_trip(model, tokenizer, tmp_path: Path) -> None:
    model.save_pretrained(tmp_path / "model")
    assert (tmp_path / "model" / "model.safetensors").is_file()
    reloaded = BertForQuestionAnswering.from_pretrained(tmp_path / "model")
    args = ("where does george live ?", "george lives in berlin .")
    assert predict(*args, reloaded, tokenizer) == predict(*args, model, tokenizer)

