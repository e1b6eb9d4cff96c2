"""Classify images with a trained model.

    python -m image_classification.predict outputs/model.safetensors cat.png dog.jpg
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import timm
import torch
from PIL import Image
from safetensors.torch import load_file

from image_classification.train import CONFIG, create_model, load_config


def load_model(weights: Path) -> torch.nn.Module:
    """The configured architecture with weights from a safetensors file (no Hub download)."""
    model = create_model(load_config(CONFIG), pretrained=False)
    model.load_state_dict(load_file(weights))
    return model.eval()


@torch.no_grad()
def predict(images: Sequence[Image.Image], model: torch.nn.Module) -> list[int]:
    """The predicted class of each image."""
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, model=model))
    batch = torch.stack([transform(image.convert("RGB")) for image in images])
    return model.eval()(batch).argmax(dim=-1).tolist()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        raise SystemExit("usage: python -m image_classification.predict WEIGHTS.safetensors IMAGE [IMAGE ...]")
    model = load_model(Path(args[0]))
    for path, label in zip(args[1:], predict([Image.open(p) for p in args[1:]], model)):
        print(f"{label}\t{path}")


if __name__ == "__main__":
    main()

