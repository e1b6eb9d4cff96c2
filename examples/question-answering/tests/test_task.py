"""The task code, end to end, offline: a tiny model built from a config (no Hub download) and a
few examples written as local files; training in one process and in two (data parallel on the
CPU, as on many GPUs), a checkpoint resumed, and answers from the saved safetensors."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import BertConfig, BertForQuestionAnswering, PreTrainedTokenizerFast, TrainingArguments

from question_answering.predict import predict
from question_answering.train import DataArguments, build_trainer, main, parse_arguments, tokenize

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
def tiny(tmp_path: Path, model: BertForQuestionAnswering, tokenizer: PreTrainedTokenizerFast) -> Path:
    """The tiny model and its tokenizer as a local folder: what --model_name_or_path reads."""
    folder = tmp_path / "tiny"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    """--train_file and --validation_file, as local jsonl files: an example a line."""
    paths = [tmp_path / "train.jsonl", tmp_path / "validation.jsonl"]
    rows = [{"question": q, "context": c, "answers": a} for q, c, a in zip(QUESTIONS, CONTEXTS, ANSWERS)]
    for path in paths:
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return ["--train_file", str(paths[0]), "--validation_file", str(paths[1])]


QUESTIONS = ["where does anna live ?", "where does george live ?"] * 4
CONTEXTS = ["anna lives in paris .", "george lives in berlin ."] * 4
ANSWERS = [{"text": ["paris"], "answer_start": [14]}, {"text": ["berlin"], "answer_start": [16]}] * 4
EXAMPLES = len(QUESTIONS)
MODEL = BertForQuestionAnswering


def predicted(folder: Path) -> list[str]:
    """The answer to each example, from the model saved in ``folder``."""
    model, tokenizer = MODEL.from_pretrained(folder), PreTrainedTokenizerFast.from_pretrained(folder)
    return [predict(question, context, model, tokenizer) for question, context in zip(QUESTIONS, CONTEXTS)]


def examples() -> Dataset:
    return Dataset.from_dict({"question": QUESTIONS, "context": CONTEXTS, "answers": ANSWERS})


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
    assert model.model_name_or_path == "distilbert/distilbert-base-uncased" and data.dataset_name == "rajpurkar/squad"
    assert training.output_dir == "outputs/model" and not training.push_to_hub


def test_answers_are_labelled_on_their_tokens(tokenizer) -> None:
    data = tokenize(examples(), tokenizer, DataArguments(max_length=24))
    first = data[0]
    assert tokenizer.convert_ids_to_tokens(first["input_ids"][first["start_positions"]]) == "paris"
    assert first["start_positions"] == first["end_positions"]


def test_one_training_step_changes_the_weights(model, tokenizer, tmp_path: Path) -> None:
    before = [p.detach().clone() for p in model.parameters()]
    data = tokenize(examples(), tokenizer, DataArguments(max_length=24))
    training = TrainingArguments(output_dir=str(tmp_path), max_steps=1, use_cpu=True, save_strategy="no", report_to="none")
    result = build_trainer(model, tokenizer, data, data, training).train()
    assert result.global_step == 1 and torch.isfinite(torch.tensor(result.training_loss))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_prediction_is_a_span_of_the_context(model, tokenizer) -> None:
    context = "anna lives in paris ."
    answer = predict("where does anna live ?", context, model, tokenizer)
    assert answer and answer in context


def test_training_saves_safetensors_resumes_and_predicts(tiny: Path, files: list[str], tmp_path: Path, caplog) -> None:
    out = tmp_path / "out"
    args = [
        "--model_name_or_path", str(tiny), *files, "--output_dir", str(out), "--use_cpu",
        "--per_device_train_batch_size", "2", "--save_strategy", "steps", "--save_steps", "1", "--max_length", "24",
    ]  # fmt: skip
    main([*args, "--max_steps", "1"])
    assert (out / "checkpoint-1/model.safetensors").is_file()
    caplog.set_level(logging.INFO)
    main([*args, "--max_steps", "2"])
    assert "resuming from" in caplog.text and "checkpoint-1" in caplog.text
    assert json.loads((out / "trainer_state.json").read_text())["global_step"] == 2
    assert (out / "model.safetensors").is_file() and len(predicted(out)) == EXAMPLES


def test_two_processes_train_data_parallel_on_the_cpu(tiny: Path, files: list[str], tmp_path: Path) -> None:
    """torchrun with --use_cpu: two processes, gloo, world size 2, as accelerate runs many GPUs."""
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "question_answering.train", "--use_cpu", "--model_name_or_path", str(tiny), *files,
        "--output_dir", str(out), "--num_train_epochs", "1", "--per_device_train_batch_size", "2", "--max_length", "24",
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
    from question_answering.predict import parse_arguments as predict_arguments

    *_, training = parse_arguments([])
    assert predict_arguments(["Where does Anna live?", "Anna lives in Paris."]).model_name_or_path == training.output_dir


def test_the_predict_command_answers_from_a_saved_model(tiny: Path, capsys) -> None:
    from question_answering.predict import main as predict_main

    predict_main(["--model_name_or_path", str(tiny), "Where does Anna live?", "Anna lives in Paris."])
    assert len(capsys.readouterr().out.splitlines()) == 1

