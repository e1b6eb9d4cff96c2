"""The demo, offline: a tiny classifier built from a config (no Hub download) behind the app."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast, pipeline

from demo_app.app import classify, load_config

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "delightful", "dull", "film"]


def tiny_classifier():
    torch.manual_seed(0)
    backend = Tokenizer(models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]")
    config = BertConfig(
        vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=32, num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )  # fmt: skip
    return pipeline("text-classification", model=BertForSequenceClassification(config), tokenizer=tokenizer)


def test_classify_scores_every_label() -> None:
    scores = classify("a delightful film", tiny_classifier())
    assert set(scores) == {"NEGATIVE", "POSITIVE"}
    assert abs(sum(scores.values()) - 1.0) < 1e-5
    assert list(scores.values()) == sorted(scores.values(), reverse=True)


def test_the_config_names_a_model() -> None:
    assert load_config()["model"]["name"]


def test_the_app_builds_and_its_button_classifies() -> None:
    import gradio as gr

    from demo_app.app import build_app

    app = build_app(tiny_classifier(), "demo")
    assert isinstance(app, gr.Blocks)
    buttons = [block for block in app.blocks.values() if isinstance(block, gr.Button)]
    assert len(buttons) == 1

