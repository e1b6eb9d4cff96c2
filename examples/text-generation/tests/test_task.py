"""The task code, end to end, offline: a tiny causal LM built from a config (no Hub download),
LoRA adapters, one training step, one generation, and the adapter's safetensors round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset
from peft import PeftModel
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from text_generation.predict import predict
from text_generation.train import build_trainer, load_config, tokenize, with_lora

WORDS = ["<|endoftext|>", "<unk>", "once", "upon", "a", "time", "there", "was", "cat", "dog", "."]


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    backend = Tokenizer(models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", eos_token="<|endoftext|>", pad_token="<|endoftext|>")


def base_model() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=len(WORDS), n_embd=16, n_layer=1, n_head=2, n_positions=32))


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    settings = load_config()
    settings["train"]["output_dir"] = str(tmp_path / "out")
    settings["lora"]["target_modules"] = ["c_attn"]  # GPT-2's attention projection
    return settings


def examples() -> Dataset:
    return Dataset.from_dict({"text": ["once upon a time there was a cat .", "once upon a time there was a dog ."] * 2})


def test_only_the_adapter_trains_and_one_step_moves_it(tokenizer, settings) -> None:
    model = with_lora(base_model(), settings["lora"])
    trainable = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in name for name in trainable)
    trainer = build_trainer(model, tokenizer, tokenize(examples(), tokenizer, settings["data"]), settings, max_steps=1, use_cpu=True, save_strategy="no")
    result = trainer.train()
    assert result.global_step == 1 and torch.isfinite(torch.tensor(result.training_loss))
    moved = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert any(not torch.equal(trainable[n], moved[n]) for n in trainable)


def test_generation_continues_the_prompt(tokenizer, settings) -> None:
    model = with_lora(base_model(), settings["lora"])
    (text,) = predict(["once upon a time"], model, tokenizer, max_new_tokens=3)
    assert text.startswith("once upon a time")


def test_adapter_safetensors_round_trip(tokenizer, settings, tmp_path: Path) -> None:
    model = with_lora(base_model(), settings["lora"])
    model.save_pretrained(tmp_path / "adapter")
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    reloaded = PeftModel.from_pretrained(base_model(), tmp_path / "adapter")
    prompts = ["there was a"]
    assert predict(prompts, reloaded, tokenizer, max_new_tokens=3) == predict(prompts, model, tokenizer, max_new_tokens=3)

