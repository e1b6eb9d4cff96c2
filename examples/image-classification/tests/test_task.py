"""The task code, end to end, offline: a small timm model without pretrained weights (no Hub
download) and a few synthetic images in class folders; training in one process and in two (data
parallel on the CPU, as on many GPUs), a checkpoint resumed, and predictions from the saved
safetensors."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from accelerate import Accelerator
from datasets import Dataset
from PIL import Image

from image_classification.predict import load_model, predict
from image_classification.train import (
    DataArguments,
    LoopArguments,
    ModelArguments,
    accuracy,
    create_model,
    main,
    parse_arguments,
    train,
    transformed,
)

TINY = ModelArguments(model_name_or_path="resnet18", pretrained=False, num_classes=2)
LABELS = [0, 1] * 4
EXAMPLES = len(LABELS)


def images(n: int) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)) for _ in range(n)]


def predicted(folder: Path) -> list[int]:
    """The class of each example image, from the model saved in ``folder``."""
    return predict(images(EXAMPLES), load_model(folder))


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    """--train_dir and --validation_dir: a folder per class of a few images, and the tiny model's flags."""
    for split in ("train", "validation"):
        for index, (image, label) in enumerate(zip(images(EXAMPLES), LABELS)):
            folder = tmp_path / split / f"class{label}"
            folder.mkdir(parents=True, exist_ok=True)
            image.save(folder / f"{index}.png")
    return [
        "--train_dir", str(tmp_path / "train"), "--validation_dir", str(tmp_path / "validation"),
        "--num_classes", "2", "--pretrained", "false",
    ]  # fmt: skip


@pytest.fixture
def tiny() -> str:
    return TINY.model_name_or_path


def test_the_defaults_are_the_projects_config() -> None:
    model, data, loop = parse_arguments([])
    assert model.model_name_or_path == "resnet18.a1_in1k" and data.dataset_name == "uoft-cs/cifar10"
    assert loop.output_dir == "outputs/model" and loop.num_train_epochs == 1


def test_one_training_step_changes_the_weights(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = create_model(TINY)
    before = [p.detach().clone() for p in model.parameters()]
    data = Dataset.from_dict({"img": images(4), "label": [0, 1, 0, 1]})
    loop = LoopArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=1)
    steps = train(model, transformed(data, model, DataArguments(), training=True), loop, accelerator=Accelerator(cpu=True))
    assert steps == 1 and (tmp_path / "checkpoint-1" / "model.safetensors").is_file()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_accuracy_counts_on_the_models_device() -> None:
    torch.manual_seed(0)
    model = create_model(TINY)
    data = Dataset.from_dict({"img": images(4), "label": [0, 1, 0, 1]})
    value = accuracy(model, transformed(data, model, DataArguments(), training=False), batch_size=2)
    labels = predict(images(4), model.eval())
    assert value == sum(int(a == b) for a, b in zip(labels, [0, 1, 0, 1])) / 4


def test_a_config_file_gives_the_fields_and_a_flag_overrides_one(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("model_name_or_path: some/model\nlearning_rate: 1.0e-4\nnum_classes: 32\n")
    model, data, training = parse_arguments([str(config), "--num_classes", "16", "--output_dir", str(tmp_path)])
    assert model.model_name_or_path == "some/model" and training.learning_rate == 1e-4 and model.num_classes == 16
    config.write_text("learning_rat: 1.0e-4\n")
    with pytest.raises(SystemExit):
        parse_arguments([str(config)])  # a misspelt field is refused, not ignored


def test_training_saves_safetensors_resumes_and_predicts(tiny: Path, files: list[str], tmp_path: Path, caplog) -> None:
    out = tmp_path / "out"
    args = [
        "--model_name_or_path", str(tiny), *files, "--output_dir", str(out), "--use_cpu",
        "--per_device_train_batch_size", "2",
    ]  # fmt: skip
    main([*args, "--max_steps", "1"])
    assert (out / "checkpoint-1/model.safetensors").is_file()
    caplog.set_level(logging.INFO)
    main([*args, "--max_steps", "2"])
    assert "resuming from" in caplog.text and "checkpoint-1" in caplog.text
    assert json.loads((out / "state.json").read_text())["global_step"] == 2
    assert (out / "model.safetensors").is_file() and len(predicted(out)) == EXAMPLES


def test_two_processes_train_data_parallel_on_the_cpu(tiny: Path, files: list[str], tmp_path: Path) -> None:
    """torchrun with --use_cpu: two processes, gloo, world size 2, as accelerate runs many GPUs."""
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "image_classification.train", "--use_cpu", "--model_name_or_path", str(tiny), *files,
        "--output_dir", str(out), "--num_train_epochs", "1", "--per_device_train_batch_size", "2",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "world size: 2" in run.stdout
    # EXAMPLES examples, two a step on each of two processes: an epoch is EXAMPLES / 4 steps
    # (twice as many on one process), so each process saw its own half of the data.
    assert json.loads((out / "state.json").read_text())["global_step"] == EXAMPLES // 4
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
    from image_classification.predict import parse_arguments as predict_arguments

    *_, training = parse_arguments([])
    assert predict_arguments(["cat.png"]).model_name_or_path == training.output_dir

