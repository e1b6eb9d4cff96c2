"""Classify images with a trained model.

    python -m image_classification.predict cat.png dog.jpg   # the model in outputs/model
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import timm
import torch
from PIL import Image
from safetensors.torch import load_file

from image_classification.train import ModelArguments, create_model


def load_model(folder: Path) -> torch.nn.Module:
    """The architecture its config.json names, with the weights of model.safetensors (no Hub download)."""
    arguments = ModelArguments(**json.loads((folder / "config.json").read_text(encoding="utf-8")))
    model = create_model(arguments, pretrained=False)
    model.load_state_dict(load_file(folder / "model.safetensors"))
    return model.eval()


@torch.no_grad()
def predict(images: Sequence[Image.Image], model: torch.nn.Module) -> list[int]:
    """The predicted class of each image."""
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, model=model))
    batch = torch.stack([transform(image.convert("RGB")) for image in images])
    return model.eval()(batch).argmax(dim=-1).tolist()


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m image_classification.predict", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model_name_or_path", default="outputs/model", help="what train saved (its --output_dir: %(default)s), or a Hub id"
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    model = load_model(Path(args.model_name_or_path))
    for path, label in zip(args.images, predict([Image.open(p) for p in args.images], model)):
        print(f"{label}\t{path}")


if __name__ == "__main__":
    main()

