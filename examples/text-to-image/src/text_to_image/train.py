"""Fine-tune the UNet of a text-to-image diffusion pipeline on captioned images.

    python -m text_to_image.train                      # the fields of config.yaml
    python -m text_to_image.train run.yaml --max_steps 100   # another file; a flag overrides its field
    python -m text_to_image.train --train_dir images   # images with a metadata.jsonl of captions
    accelerate launch --config_file configs/accelerate/multi-gpu.yaml -m text_to_image.train

The flags are named as those of transformers' example scripts (the fields of the dataclasses
below; `--help` lists them). Local images are a folder in the `imagefolder` layout, with a
metadata.jsonl of `{"file_name": ..., "text": ...}` lines.
Distribution is accelerate's job (`Accelerator.prepare`), so the same module runs on a CPU, one
GPU, many GPUs or many nodes (configs/accelerate/, the README).
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import diffusers
import numpy as np
import torch
import yaml
from accelerate import Accelerator
from datasets import Dataset, DatasetDict, load_dataset
from diffusers import DDPMScheduler, DiffusionPipeline
from torch.utils.data import DataLoader
from transformers import HfArgumentParser
from transformers.trainer_utils import get_last_checkpoint

logger = logging.getLogger(__name__)
CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"
TRAINING_DEFAULTS: dict[str, Any] = {}  # the loop's own defaults are its fields'


@dataclass
class ModelArguments:
    model_name_or_path: str = field(
        default="stable-diffusion-v1-5/stable-diffusion-v1-5", metadata={"help": "A diffusers pipeline on the Hub, or a local folder."}
    )


@dataclass
class DataArguments:
    dataset_name: str | None = field(
        default="lambdalabs/naruto-blip-captions", metadata={"help": "A Hub dataset of captioned images; not read when --train_dir is given."}
    )
    train_dir: str | None = field(default=None, metadata={"help": "Training images: a folder with a metadata.jsonl of captions."})
    train_split: str = field(default="train", metadata={"help": "The Hub dataset's split to train on."})
    image_column: str = field(default="image", metadata={"help": "The column of images."})
    caption_column: str = field(default="text", metadata={"help": "The column of their captions."})
    resolution: int = field(default=512, metadata={"help": "Images are resized to this many pixels a side."})


@dataclass
class LoopArguments:
    """The loop's settings, named as TrainingArguments names them."""

    output_dir: str = field(default="outputs/pipeline", metadata={"help": "Where the checkpoints and the model go."})
    learning_rate: float = field(default=1e-5, metadata={"help": "AdamW's learning rate."})
    per_device_train_batch_size: int = field(default=1, metadata={"help": "Examples a step, on each process."})
    per_device_eval_batch_size: int = field(default=1, metadata={"help": "Examples an evaluation batch, on each process."})
    num_train_epochs: int = field(default=1, metadata={"help": "Passes over the training examples."})
    max_steps: int = field(default=-1, metadata={"help": "Stop after this many steps (-1: the epochs decide)."})
    seed: int = field(default=42, metadata={"help": "The seed of the model's initialization and the shuffling."})
    use_cpu: bool = field(default=False, metadata={"help": "Train on the CPU even where a GPU is."})
    mixed_precision: str = field(default="no", metadata={"help": "'no', 'fp16' or 'bf16'."})
    resume_from_checkpoint: str | None = field(default=None, metadata={"help": "A checkpoint folder to start from."})
    save_total_limit: int = field(default=2, metadata={"help": "How many checkpoints are kept."})


def parse_arguments(argv: list[str] | None = None) -> tuple[ModelArguments, DataArguments, LoopArguments]:
    """``[FILE.yaml | FILE.json] [--flag value ...]``: the file's fields, with the flags over them;
    without a file, config.yaml beside pyproject.toml where there is one."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = HfArgumentParser((ModelArguments, DataArguments, LoopArguments))
    parser.set_defaults(**TRAINING_DEFAULTS)
    if args and args[0].endswith((".yaml", ".yml", ".json")):
        path: Path | None = Path(args.pop(0))
    else:
        path = CONFIG if CONFIG.is_file() else None
    if path is not None:
        fields = yaml.safe_load(path.read_text(encoding="utf-8")) or {}  # a JSON file is YAML too
        unknown = sorted(set(fields) - {action.dest for action in parser._actions})
        if unknown:
            parser.error(f"{path}: no such field: {', '.join(unknown)}")
        parser.set_defaults(**fields)
    return tuple(parser.parse_args_into_dataclasses(args))  # type: ignore[return-value]


def log_run(accelerator: Accelerator, loop: LoopArguments) -> None:
    """What a run says first: the versions, the device, the world size, the batch it adds up to."""
    import accelerate
    import datasets

    logging.basicConfig(format="%(asctime)s - %(levelname)s - %(name)s - %(message)s", handlers=[logging.StreamHandler(sys.stdout)])
    logger.setLevel(logging.INFO if accelerator.is_main_process else logging.WARNING)
    logger.info(
        "versions: torch %s, diffusers %s, datasets %s, accelerate %s",
        torch.__version__, diffusers.__version__, datasets.__version__, accelerate.__version__,
    )  # fmt: skip
    world = accelerator.num_processes
    logger.info("device: %s, world size: %d, distributed: %s", accelerator.device, world, accelerator.distributed_type.value)
    batch = loop.per_device_train_batch_size
    logger.info("effective batch size: %d (%d per device x %d processes)", batch * world, batch, world)


def load_data(data: DataArguments) -> DatasetDict:
    """``train``: local folders when given, else the Hub's."""
    if data.train_dir is not None:
        folders = {"train": data.train_dir}
        raw = load_dataset("imagefolder", data_files={split: f"{folder}/**" for split, folder in folders.items()})
        names = {"image": data.image_column, "text": data.caption_column}  # imagefolder's columns, as the flags name them
        return raw.rename_columns({old: new for old, new in names.items() if old != new})
    if data.dataset_name is None:
        raise SystemExit("give --dataset_name or --train_dir")
    raw = load_dataset(data.dataset_name)
    return DatasetDict({"train": raw[data.train_split]})


def prepared(dataset: Dataset, pipeline: DiffusionPipeline, data: DataArguments) -> Dataset:
    """Images as tensors in [-1, 1] at the training resolution, captions as token ids."""
    size = data.resolution
    tokenizer = pipeline.tokenizer

    def apply(batch: dict[str, list[Any]]) -> dict[str, Any]:
        pixels = []
        for image in batch[data.image_column]:
            array = np.asarray(image.convert("RGB").resize((size, size)), dtype=np.float32) / 127.5 - 1.0
            pixels.append(torch.from_numpy(array).permute(2, 0, 1))
        ids = tokenizer(
            batch[data.caption_column], padding="max_length", max_length=tokenizer.model_max_length,
            truncation=True, return_tensors="pt",
        ).input_ids  # fmt: skip
        return {"pixel_values": pixels, "input_ids": list(ids)}

    return dataset.with_transform(apply)


def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    return {
        "pixel_values": torch.stack([row["pixel_values"] for row in rows]),
        "input_ids": torch.stack([row["input_ids"] for row in rows]),
    }


def denoising_loss(
    unet: torch.nn.Module, vae: torch.nn.Module, text_encoder: torch.nn.Module, noise_scheduler: DDPMScheduler, batch: dict[str, torch.Tensor]
) -> torch.Tensor:
    """How far the UNet is from the noise added to the images' latents at random steps, given
    their captions (the VAE and the text encoder are frozen)."""
    with torch.no_grad():
        latents = vae.encode(batch["pixel_values"]).latent_dist.sample() * vae.config.scaling_factor
        text = text_encoder(batch["input_ids"])[0]
    noise = torch.randn_like(latents)
    steps = torch.randint(0, noise_scheduler.config.num_train_timesteps, (latents.shape[0],), device=latents.device)
    predicted = unet(noise_scheduler.add_noise(latents, noise, steps), steps, text).sample
    return torch.nn.functional.mse_loss(predicted.float(), noise.float())


def last_checkpoint(training: LoopArguments) -> str | None:
    """Where training resumes: the checkpoint asked for, else the last one in output_dir."""
    if training.resume_from_checkpoint is not None:
        return training.resume_from_checkpoint
    folder = Path(training.output_dir) if training.output_dir else None
    found = get_last_checkpoint(str(folder)) if folder is not None and folder.is_dir() else None
    if found is not None:
        logger.info("resuming from %s", found)
    return found


def train(pipeline: DiffusionPipeline, dataset: Dataset, loop: LoopArguments, *, accelerator: Accelerator) -> int:
    """Teach the UNet to predict the noise added to the images' latents, saving a checkpoint
    (the UNet's safetensors, the optimizer, the random state) after each epoch and resuming from
    the last; the steps taken."""
    vae, text_encoder, unet = pipeline.vae, pipeline.text_encoder, pipeline.unet
    vae.requires_grad_(False)
    text_encoder.requires_grad_(False)
    noise_scheduler = DDPMScheduler.from_config(pipeline.scheduler.config)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=loop.learning_rate)
    loader = DataLoader(dataset, batch_size=loop.per_device_train_batch_size, shuffle=True, collate_fn=collate)
    unet, optimizer, loader = accelerator.prepare(unet, optimizer, loader)
    vae.to(accelerator.device)
    text_encoder.to(accelerator.device)
    unet.train()
    step, resumed = 0, last_checkpoint(loop)
    if resumed is not None:
        accelerator.load_state(resumed)
        step = json.loads((Path(resumed) / "state.json").read_text())["global_step"]
    for epoch in range(loop.num_train_epochs):
        skip = step - epoch * len(loader)
        if skip >= len(loader):
            continue  # an epoch the checkpoint has done
        for batch in accelerator.skip_first_batches(loader, skip) if skip > 0 else loader:
            loss = denoising_loss(unet, vae, text_encoder, noise_scheduler, batch)
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            if step == loop.max_steps:
                break
        save_checkpoint(accelerator, loop, step)
        if step == loop.max_steps:
            break
    return step


def save_checkpoint(accelerator: Accelerator, loop: LoopArguments, step: int) -> None:
    folder = Path(loop.output_dir) / f"checkpoint-{step}"
    accelerator.save_state(str(folder), safe_serialization=True)
    if accelerator.is_main_process:
        (folder / "state.json").write_text(json.dumps({"global_step": step}))
        found = [p for p in Path(loop.output_dir).glob("checkpoint-*") if p.name.removeprefix("checkpoint-").isdigit()]
        kept = sorted(found, key=lambda p: int(p.name.removeprefix("checkpoint-")))
        for old in kept[: max(len(kept) - loop.save_total_limit, 0)]:
            shutil.rmtree(old)
    accelerator.wait_for_everyone()


def main(argv: list[str] | None = None) -> None:
    model_arguments, data, loop = parse_arguments(argv)
    accelerator = Accelerator(cpu=loop.use_cpu, mixed_precision=loop.mixed_precision)
    log_run(accelerator, loop)
    torch.manual_seed(loop.seed)
    pipeline = DiffusionPipeline.from_pretrained(model_arguments.model_name_or_path)
    raw = load_data(data)
    steps = train(pipeline, prepared(raw["train"], pipeline, data), loop, accelerator=accelerator)
    if accelerator.is_main_process:
        pipeline.unet = accelerator.unwrap_model(pipeline.unet)
        pipeline.save_pretrained(loop.output_dir)  # safetensors weights
        (Path(loop.output_dir) / "state.json").write_text(json.dumps({"global_step": steps}))
    accelerator.wait_for_everyone()
    accelerator.free_memory()  # drops the DDP wrappers, while the group is still alive
    accelerator.end_training()  # destroys the group


if __name__ == "__main__":
    main()

