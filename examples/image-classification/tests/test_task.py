"""The task code, end to end, offline: a small timm model without pretrained weights (no Hub
download), a few synthetic images, one training step, one prediction, and a safetensors round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from accelerate import Accelerator
from datasets import Dataset
from PIL import Image
from safetensors.torch import save_file

from image_classification.predict import load_model, predict
from image_classification.train import accuracy, create_model, load_config, train, transformed


@pytest.fixture
def settings() -> dict:
    settings = load_config()
    settings["model"]["num_classes"] = 2
    settings["train"]["batch_size"] = 4
    return settings


def images(n: int) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)) for _ in range(n)]


def test_one_training_step_changes_the_weights(settings) -> None:
    torch.manual_seed(0)
    model = create_model(settings, pretrained=False)
    before = [p.detach().clone() for p in model.parameters()]
    data = Dataset.from_dict({"img": images(4), "label": [0, 1, 0, 1]})
    losses = train(model, transformed(data, model, settings["data"], training=True), settings, accelerator=Accelerator(cpu=True), max_steps=1)
    assert len(losses) == 1 and np.isfinite(losses[0])
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_prediction_and_safetensors_round_trip(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    model = create_model(settings, pretrained=False).eval()
    labels = predict(images(3), model)
    assert len(labels) == 3 and set(labels) <= {0, 1}
    save_file(model.state_dict(), tmp_path / "model.safetensors")
    monkeypatch.setattr("image_classification.predict.load_config", lambda _path: settings)
    reloaded = load_model(tmp_path / "model.safetensors")
    assert predict(images(3), reloaded) == labels


def test_accuracy_counts_on_the_models_device(settings) -> None:
    torch.manual_seed(0)
    model = create_model(settings, pretrained=False)
    data = Dataset.from_dict({"img": images(4), "label": [0, 1, 0, 1]})
    value = accuracy(model, transformed(data, model, settings["data"], training=False), batch_size=2)
    labels = predict(images(4), model.eval())
    assert value == sum(int(a == b) for a, b in zip(labels, [0, 1, 0, 1])) / 4

