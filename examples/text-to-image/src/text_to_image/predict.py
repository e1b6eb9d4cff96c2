"""Generate images from prompts with a (fine-tuned) pipeline.

    python -m text_to_image.predict "a fox in the snow" out.png   # the pipeline in outputs/pipeline
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch
from diffusers import DiffusionPipeline
from PIL import Image


@torch.no_grad()
def generate(
    prompts: Sequence[str], pipeline: DiffusionPipeline, *, steps: int = 30, seed: int = 0, size: int | None = None, guidance_scale: float = 7.5
) -> list[Image.Image]:
    """One image per prompt, reproducible for a given seed."""
    generator = torch.Generator().manual_seed(seed)
    extra = {"height": size, "width": size} if size else {}
    result = pipeline(list(prompts), num_inference_steps=steps, generator=generator, guidance_scale=guidance_scale, **extra)
    return list(result.images)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m text_to_image.predict", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model_name_or_path", default="outputs/pipeline", help="what train saved (its --output_dir: %(default)s), or a Hub id"
    )
    parser.add_argument("prompt", metavar="PROMPT", help="what the image shows")
    parser.add_argument("output", metavar="OUTPUT.png", help="where the image is saved")
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    pipeline = DiffusionPipeline.from_pretrained(args.model_name_or_path)
    (image,) = generate([args.prompt], pipeline)
    image.save(args.output)


if __name__ == "__main__":
    main()

