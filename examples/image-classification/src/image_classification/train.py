"""Fine-tune a timm image classifier with an accelerate training loop.

    python -m image_classification.train [config.toml]            # one process (CPU or one GPU)
    accelerate launch -m image_classification.train [config.toml] # many GPUs or nodes

Distribution is accelerate's job (`Accelerator.prepare`), so no hand-written DDP is needed.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import timm
import torch
from accelerate import Accelerator
from datasets import Dataset, load_dataset
from safetensors.torch import save_file
from torch.utils.data import DataLoader

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def create_model(settings: dict[str, Any], *, pretrained: bool | None = None) -> torch.nn.Module:
    model = settings["model"]
    return timm.create_model(
        model["name"], pretrained=model["pretrained"] if pretrained is None else pretrained, num_classes=model["num_classes"]
    )


def transformed(dataset: Dataset, model: torch.nn.Module, data: dict[str, Any], *, training: bool) -> Dataset:
    """The model's own preprocessing (timm's data config), applied lazily to each batch."""
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, model=model), is_training=training)

    def apply(batch: dict[str, list[Any]]) -> dict[str, Any]:
        images = [transform(image.convert("RGB")) for image in batch[data["image_column"]]]
        return {"pixel_values": images, "labels": batch[data["label_column"]]}

    return dataset.with_transform(apply)


def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    return {
        "pixel_values": torch.stack([row["pixel_values"] for row in rows]),
        "labels": torch.tensor([row["labels"] for row in rows]),
    }


def train(
    model: torch.nn.Module, dataset: Dataset, settings: dict[str, Any], *, accelerator: Accelerator, max_steps: int | None = None
) -> list[float]:
    """Train for the configured epochs (or ``max_steps`` batches); the losses, one per step."""
    torch.manual_seed(settings["train"]["seed"])
    loader = DataLoader(dataset, batch_size=settings["train"]["batch_size"], shuffle=True, collate_fn=collate)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings["train"]["learning_rate"])
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    model.train()
    losses: list[float] = []
    for _ in range(settings["train"]["epochs"]):
        for batch in loader:
            loss = torch.nn.functional.cross_entropy(model(batch["pixel_values"]), batch["labels"])
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            if max_steps is not None and len(losses) >= max_steps:
                return losses
    return losses


@torch.no_grad()
def accuracy(model: torch.nn.Module, dataset: Dataset, batch_size: int) -> float:
    """The share of images whose predicted class is their label; batches go to the model's device."""
    device = next(model.parameters()).device
    model.eval()
    right = seen = 0
    for batch in DataLoader(dataset, batch_size=batch_size, collate_fn=collate):  # counted here: no download
        predictions = model(batch["pixel_values"].to(device)).argmax(dim=-1).cpu()
        right += int((predictions == batch["labels"]).sum())
        seen += len(predictions)
    return right / seen if seen else 0.0


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = load_config(Path(args[0]) if args else CONFIG)
    data = settings["data"]
    accelerator = Accelerator()
    model = create_model(settings)
    raw = load_dataset(data["dataset"])
    train(model, transformed(raw[data["train_split"]], model, data, training=True), settings, accelerator=accelerator)
    model = accelerator.unwrap_model(model)
    if accelerator.is_main_process:
        print({"accuracy": accuracy(model, transformed(raw[data["eval_split"]], model, data, training=False), settings["train"]["batch_size"])})
        output = Path(settings["train"]["output_dir"])
        output.mkdir(parents=True, exist_ok=True)
        save_file(model.state_dict(), output / "model.safetensors")


if __name__ == "__main__":
    main()

