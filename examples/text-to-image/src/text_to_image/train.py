"""Fine-tune the UNet of a text-to-image diffusion pipeline on captioned images.

    python -m text_to_image.train [config.toml]            # one process (CPU or one GPU)
    accelerate launch -m text_to_image.train [config.toml] # many GPUs or nodes

Distribution is accelerate's job (`Accelerator.prepare`), so no hand-written DDP is needed.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator
from datasets import Dataset, load_dataset
from diffusers import DDPMScheduler, DiffusionPipeline
from torch.utils.data import DataLoader

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def prepared(dataset: Dataset, pipeline: DiffusionPipeline, data: dict[str, Any]) -> Dataset:
    """Images as tensors in [-1, 1] at the training resolution, captions as token ids."""
    size = data["resolution"]
    tokenizer = pipeline.tokenizer

    def apply(batch: dict[str, list[Any]]) -> dict[str, Any]:
        pixels = []
        for image in batch[data["image_column"]]:
            array = np.asarray(image.convert("RGB").resize((size, size)), dtype=np.float32) / 127.5 - 1.0
            pixels.append(torch.from_numpy(array).permute(2, 0, 1))
        ids = tokenizer(
            batch[data["caption_column"]], padding="max_length", max_length=tokenizer.model_max_length,
            truncation=True, return_tensors="pt",
        ).input_ids  # fmt: skip
        return {"pixel_values": pixels, "input_ids": list(ids)}

    return dataset.with_transform(apply)


def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    return {
        "pixel_values": torch.stack([row["pixel_values"] for row in rows]),
        "input_ids": torch.stack([row["input_ids"] for row in rows]),
    }


def train(
    pipeline: DiffusionPipeline, dataset: Dataset, settings: dict[str, Any], *, accelerator: Accelerator, max_steps: int | None = None
) -> list[float]:
    """Teach the UNet to predict the noise added to the images' latents; the losses, one per step."""
    torch.manual_seed(settings["train"]["seed"])
    vae, text_encoder, unet = pipeline.vae, pipeline.text_encoder, pipeline.unet
    vae.requires_grad_(False)
    text_encoder.requires_grad_(False)
    noise_scheduler = DDPMScheduler.from_config(pipeline.scheduler.config)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=settings["train"]["learning_rate"])
    loader = DataLoader(dataset, batch_size=settings["train"]["batch_size"], shuffle=True, collate_fn=collate)
    unet, optimizer, loader = accelerator.prepare(unet, optimizer, loader)
    vae.to(accelerator.device)
    text_encoder.to(accelerator.device)
    unet.train()
    losses: list[float] = []
    for _ in range(settings["train"]["epochs"]):
        for batch in loader:
            with torch.no_grad():
                latents = vae.encode(batch["pixel_values"]).latent_dist.sample() * vae.config.scaling_factor
                text = text_encoder(batch["input_ids"])[0]
            noise = torch.randn_like(latents)
            steps = torch.randint(0, noise_scheduler.config.num_train_timesteps, (latents.shape[0],), device=latents.device)
            predicted = unet(noise_scheduler.add_noise(latents, noise, steps), steps, text).sample
            loss = torch.nn.functional.mse_loss(predicted.float(), noise.float())
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            if max_steps is not None and len(losses) >= max_steps:
                return losses
    return losses


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = load_config(Path(args[0]) if args else CONFIG)
    data = settings["data"]
    accelerator = Accelerator()
    pipeline = DiffusionPipeline.from_pretrained(settings["model"]["name"])
    raw = load_dataset(data["dataset"], split=data["train_split"])
    train(pipeline, prepared(raw, pipeline, data), settings, accelerator=accelerator)
    if accelerator.is_main_process:
        pipeline.unet = accelerator.unwrap_model(pipeline.unet)
        pipeline.save_pretrained(settings["train"]["output_dir"])  # safetensors weights


if __name__ == "__main__":
    main()

