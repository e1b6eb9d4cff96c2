"""Generate images from prompts with a (fine-tuned) pipeline.

    python -m text_to_image.predict outputs/pipeline "a fox in the snow" out.png
"""

from __future__ import annotations

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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        raise SystemExit("usage: python -m text_to_image.predict PIPELINE_DIR PROMPT OUTPUT.png")
    pipeline = DiffusionPipeline.from_pretrained(args[0])
    (image,) = generate([args[1]], pipeline)
    image.save(args[2])


if __name__ == "__main__":
    main()

