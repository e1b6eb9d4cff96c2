"""Fine-tune a timm image classifier with an accelerate training loop.

    python -m image_classification.train                      # the fields of config.yaml
    python -m image_classification.train run.yaml --max_steps 100   # another file; a flag overrides its field
    python -m image_classification.train --train_dir images/train --validation_dir images/validation
    accelerate launch --config_file configs/accelerate/multi-gpu.yaml -m image_classification.train

The flags are named as those of transformers' example scripts (the fields of the dataclasses
below; `--help` lists them). Local images are folders with one subfolder per class (the
`imagefolder` layout).
Distribution is accelerate's job (`Accelerator.prepare`), so the same module runs on a CPU, one
GPU, many GPUs or many nodes (configs/accelerate/, the README).
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import timm
import torch
import yaml
from accelerate import Accelerator
from datasets import Dataset, DatasetDict, load_dataset
from safetensors.torch import save_file
from torch.utils.data import DataLoader
from transformers import HfArgumentParser
from transformers.trainer_utils import get_last_checkpoint

logger = logging.getLogger(__name__)
CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"
TRAINING_DEFAULTS: dict[str, Any] = {}  # the loop's own defaults are its fields'


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="resnet18.a1_in1k", metadata={"help": "Any `timm.list_models()` name."})
    pretrained: bool = field(default=True, metadata={"help": "Start from the model's ImageNet weights (from the Hub)."})
    num_classes: int = field(default=10, metadata={"help": "How many classes the labels name."})


@dataclass
class DataArguments:
    dataset_name: str | None = field(
        default="uoft-cs/cifar10", metadata={"help": "A Hub dataset; not read when --train_dir is given."}
    )
    train_dir: str | None = field(default=None, metadata={"help": "Training images: a folder with a subfolder per class."})
    validation_dir: str | None = field(default=None, metadata={"help": "Evaluation images, as --train_dir."})
    train_split: str = field(default="train", metadata={"help": "The Hub dataset's split to train on."})
    validation_split: str = field(default="test", metadata={"help": "The Hub dataset's split to evaluate on."})
    image_column: str = field(default="img", metadata={"help": "The column of images."})
    label_column: str = field(default="label", metadata={"help": "The column of label ids."})


@dataclass
class LoopArguments:
    """The loop's settings, named as TrainingArguments names them."""

    output_dir: str = field(default="outputs/model", metadata={"help": "Where the checkpoints and the model go."})
    learning_rate: float = field(default=1e-3, metadata={"help": "AdamW's learning rate."})
    per_device_train_batch_size: int = field(default=64, metadata={"help": "Examples a step, on each process."})
    per_device_eval_batch_size: int = field(default=64, metadata={"help": "Examples an evaluation batch, on each process."})
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
        "versions: torch %s, timm %s, datasets %s, accelerate %s",
        torch.__version__, timm.__version__, datasets.__version__, accelerate.__version__,
    )  # fmt: skip
    world = accelerator.num_processes
    logger.info("device: %s, world size: %d, distributed: %s", accelerator.device, world, accelerator.distributed_type.value)
    batch = loop.per_device_train_batch_size
    logger.info("effective batch size: %d (%d per device x %d processes)", batch * world, batch, world)


def load_data(data: DataArguments) -> DatasetDict:
    """``train`` and, where there is one, ``validation``: local folders when given, else the Hub's."""
    if data.train_dir is not None:
        folders = {"train": data.train_dir, **({"validation": data.validation_dir} if data.validation_dir else {})}
        raw = load_dataset("imagefolder", data_files={split: f"{folder}/**" for split, folder in folders.items()})
        names = {"image": data.image_column, "label": data.label_column}  # imagefolder's columns, as the flags name them
        return raw.rename_columns({old: new for old, new in names.items() if old != new})
    if data.dataset_name is None:
        raise SystemExit("give --dataset_name or --train_dir")
    raw = load_dataset(data.dataset_name)
    splits = {"train": raw[data.train_split]}
    if data.validation_split in raw:
        splits["validation"] = raw[data.validation_split]
    return DatasetDict(splits)


def create_model(model: ModelArguments, *, pretrained: bool | None = None) -> torch.nn.Module:
    return timm.create_model(
        model.model_name_or_path, pretrained=model.pretrained if pretrained is None else pretrained, num_classes=model.num_classes
    )


def transformed(dataset: Dataset, model: torch.nn.Module, data: DataArguments, *, training: bool) -> Dataset:
    """The model's own preprocessing (timm's data config), applied lazily to each batch."""
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, model=model), is_training=training)

    def apply(batch: dict[str, list[Any]]) -> dict[str, Any]:
        images = [transform(image.convert("RGB")) for image in batch[data.image_column]]
        return {"pixel_values": images, "labels": batch[data.label_column]}

    return dataset.with_transform(apply)


def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    return {
        "pixel_values": torch.stack([row["pixel_values"] for row in rows]),
        "labels": torch.tensor([row["labels"] for row in rows]),
    }


def last_checkpoint(training: LoopArguments) -> str | None:
    """Where training resumes: the checkpoint asked for, else the last one in output_dir."""
    if training.resume_from_checkpoint is not None:
        return training.resume_from_checkpoint
    folder = Path(training.output_dir) if training.output_dir else None
    found = get_last_checkpoint(str(folder)) if folder is not None and folder.is_dir() else None
    if found is not None:
        logger.info("resuming from %s", found)
    return found


def train(model: torch.nn.Module, dataset: Dataset, loop: LoopArguments, *, accelerator: Accelerator) -> int:
    """Train for the epochs (or ``max_steps`` steps), saving a checkpoint (model.safetensors,
    optimizer, random state) after each epoch and resuming from the last; the steps taken."""
    loader = DataLoader(dataset, batch_size=loop.per_device_train_batch_size, shuffle=True, collate_fn=collate)
    optimizer = torch.optim.AdamW(model.parameters(), lr=loop.learning_rate)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    model.train()
    step, resumed = 0, last_checkpoint(loop)
    if resumed is not None:
        accelerator.load_state(resumed)
        step = json.loads((Path(resumed) / "state.json").read_text())["global_step"]
    for epoch in range(loop.num_train_epochs):
        skip = step - epoch * len(loader)
        if skip >= len(loader):
            continue  # an epoch the checkpoint has done
        for batch in accelerator.skip_first_batches(loader, skip) if skip > 0 else loader:
            loss = torch.nn.functional.cross_entropy(model(batch["pixel_values"]), batch["labels"])
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
    model_arguments, data, loop = parse_arguments(argv)
    accelerator = Accelerator(cpu=loop.use_cpu, mixed_precision=loop.mixed_precision)
    log_run(accelerator, loop)
    torch.manual_seed(loop.seed)
    model = create_model(model_arguments)
    raw = load_data(data)
    steps = train(model, transformed(raw["train"], model, data, training=True), loop, accelerator=accelerator)
    model = accelerator.unwrap_model(model)
    if accelerator.is_main_process:
        output = Path(loop.output_dir)
        save_file(model.state_dict(), output / "model.safetensors")
        (output / "config.json").write_text(json.dumps(asdict(model_arguments) | {"pretrained": False}, indent=2))
        (output / "state.json").write_text(json.dumps({"global_step": steps}))
        if "validation" in raw:
            value = accuracy(model, transformed(raw["validation"], model, data, training=False), loop.per_device_eval_batch_size)
            logger.info("eval: {'accuracy': %.4f}", value)
    accelerator.wait_for_everyone()
    accelerator.free_memory()  # drops the DDP wrappers, while the group is still alive
    accelerator.end_training()  # destroys the group


if __name__ == "__main__":
    main()

