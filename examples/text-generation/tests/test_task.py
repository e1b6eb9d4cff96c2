"""The task code, end to end, offline: a tiny causal LM built from a config (no Hub download) and
a few stories written as local files; LoRA adapters trained in one process and in two (data
parallel on the CPU, as on many GPUs), a checkpoint resumed, and text from the saved adapter."""

from __future__ import annotations

import csv
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from datasets import Dataset
from peft import AutoPeftModelForCausalLM, PeftModel
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast, TrainingArguments

from text_generation.predict import predict
from text_generation.train import DataArguments, ModelArguments, build_trainer, main, parse_arguments, tokenize, with_lora

WORDS = ["<|endoftext|>", "<unk>", "once", "upon", "a", "time", "there", "was", "cat", "dog", "."]


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    backend = Tokenizer(models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", eos_token="<|endoftext|>", pad_token="<|endoftext|>")


def base_model() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=len(WORDS), n_embd=16, n_layer=1, n_head=2, n_positions=32))


LORA = ModelArguments(lora_target_modules=["c_attn"])  # GPT-2's attention projection
STORIES = ["once upon a time there was a cat .", "once upon a time there was a dog ."] * 4
EXAMPLES = len(STORIES)


def predicted(folder: Path) -> list[str]:
    """A continuation of each example's start, from the base model and the adapter saved in ``folder``."""
    model, tokenizer = AutoPeftModelForCausalLM.from_pretrained(folder), PreTrainedTokenizerFast.from_pretrained(folder)
    return predict([story[:16] for story in STORIES], model, tokenizer, max_new_tokens=2)


@pytest.fixture
def tiny(tmp_path: Path, tokenizer: PreTrainedTokenizerFast) -> Path:
    """The tiny base model and its tokenizer as a local folder: what --model_name_or_path reads."""
    folder = tmp_path / "tiny"
    base_model().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    """--train_file and --validation_file, as local csv files."""
    paths = [tmp_path / "train.csv", tmp_path / "validation.csv"]
    for path in paths:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text"])
            writer.writerows([story] for story in STORIES)
    return ["--train_file", str(paths[0]), "--validation_file", str(paths[1])]


def test_a_config_file_gives_the_fields_and_a_flag_overrides_one(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("model_name_or_path: some/model\nlearning_rate: 1.0e-4\nmax_length: 32\n")
    model, data, training = parse_arguments([str(config), "--max_length", "16", "--output_dir", str(tmp_path)])
    assert model.model_name_or_path == "some/model" and training.learning_rate == 1e-4 and data.max_length == 16
    config.write_text("learning_rat: 1.0e-4\n")
    with pytest.raises(SystemExit):
        parse_arguments([str(config)])  # a misspelt field is refused, not ignored


def test_the_defaults_are_the_projects_config() -> None:
    model, data, training = parse_arguments([])
    assert model.model_name_or_path == "Qwen/Qwen2.5-0.5B" and data.dataset_name == "roneneldan/TinyStories"
    assert model.lora_target_modules == ["all-linear"] and not model.load_in_4bit
    assert training.output_dir == "outputs/adapter" and not training.push_to_hub


def test_only_the_adapter_trains_and_one_step_moves_it(tokenizer, tmp_path: Path) -> None:
    model = with_lora(base_model(), LORA)
    trainable = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in name for name in trainable)
    data = tokenize(Dataset.from_dict({"text": STORIES}), tokenizer, DataArguments())
    training = TrainingArguments(output_dir=str(tmp_path), max_steps=1, use_cpu=True, save_strategy="no", report_to="none")
    result = build_trainer(model, tokenizer, data, None, training).train()
    assert result.global_step == 1 and torch.isfinite(torch.tensor(result.training_loss))
    moved = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert any(not torch.equal(trainable[n], moved[n]) for n in trainable)


def test_generation_continues_the_prompt(tokenizer) -> None:
    model = with_lora(base_model(), LORA)
    (text,) = predict(["once upon a time"], model, tokenizer, max_new_tokens=3)
    assert text.startswith("once upon a time")


def test_adapter_safetensors_round_trip(tokenizer, tmp_path: Path) -> None:
    model = with_lora(base_model(), LORA)
    model.save_pretrained(tmp_path / "adapter")
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    reloaded = PeftModel.from_pretrained(base_model(), tmp_path / "adapter")
    prompts = ["there was a"]
    assert predict(prompts, reloaded, tokenizer, max_new_tokens=3) == predict(prompts, model, tokenizer, max_new_tokens=3)


def test_training_saves_safetensors_resumes_and_predicts(tiny: Path, files: list[str], tmp_path: Path, caplog) -> None:
    out = tmp_path / "out"
    args = [
        "--model_name_or_path", str(tiny), *files, "--output_dir", str(out), "--use_cpu",
        "--per_device_train_batch_size", "2", "--save_strategy", "steps", "--save_steps", "1", "--max_length", "8", "--lora_target_modules", "c_attn",
    ]  # fmt: skip
    main([*args, "--max_steps", "1"])
    assert (out / "checkpoint-1/adapter_model.safetensors").is_file()
    caplog.set_level(logging.INFO)
    main([*args, "--max_steps", "2"])
    assert "resuming from" in caplog.text and "checkpoint-1" in caplog.text
    assert json.loads((out / "trainer_state.json").read_text())["global_step"] == 2
    assert (out / "adapter_model.safetensors").is_file() and len(predicted(out)) == EXAMPLES


def test_two_processes_train_data_parallel_on_the_cpu(tiny: Path, files: list[str], tmp_path: Path) -> None:
    """torchrun with --use_cpu: two processes, gloo, world size 2, as accelerate runs many GPUs."""
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "text_generation.train", "--use_cpu", "--model_name_or_path", str(tiny), *files,
        "--output_dir", str(out), "--num_train_epochs", "1", "--per_device_train_batch_size", "2", "--max_length", "8", "--lora_target_modules", "c_attn",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "world size: 2" in run.stdout
    # EXAMPLES examples, two a step on each of two processes: an epoch is EXAMPLES / 4 steps
    # (twice as many on one process), so each process saw its own half of the data.
    assert json.loads((out / "trainer_state.json").read_text())["global_step"] == EXAMPLES // 4
    assert len(predicted(out)) == EXAMPLES


def test_the_accelerate_configs_load() -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    folder = Path(__file__).resolve().parents[1] / "configs" / "accelerate"
    found = {path.stem: load_config_from_file(str(path)).distributed_type.value for path in folder.glob("*.yaml")}
    assert found == {
        "cpu": "NO", "single-gpu": "NO", "multi-gpu": "MULTI_GPU", "fsdp": "FSDP",
        "deepspeed-zero2": "DEEPSPEED", "multi-node": "MULTI_GPU",
    }  # fmt: skip


def test_predict_reads_what_train_saved_by_default() -> None:
    from text_generation.predict import parse_arguments as predict_arguments

    *_, training = parse_arguments([])
    assert predict_arguments(["Once upon a time"]).model_name_or_path == training.output_dir

