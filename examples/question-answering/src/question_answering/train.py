"""Fine-tune an extractive question-answering model with the Trainer.

    python -m question_answering.train                      # the fields of config.yaml
    python -m question_answering.train run.yaml --max_steps 100   # another file; a flag overrides its field
    python -m question_answering.train --model_name_or_path prajjwal1/bert-tiny \
        --train_file train.jsonl --validation_file validation.jsonl --output_dir outputs/tiny
    accelerate launch --config_file configs/accelerate/multi-gpu.yaml -m question_answering.train

The flags are those of transformers' example scripts: the fields of the dataclasses below and of
TrainingArguments (`--help` lists them).
Distribution is accelerate's job, under the Trainer: the same module runs on a CPU, one GPU, many
GPUs or many nodes (configs/accelerate/, the README).
Local files hold one example a line, as SQuAD has them:
`{"question": ..., "context": ..., "answers": {"text": [...], "answer_start": [...]}}`.
The evaluation is the validation loss; exact-match and F1 need the answers as text: see
`question_answering.predict`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import transformers
import yaml
from datasets import Dataset, DatasetDict, load_dataset
from transformers import (
    AutoModelForQuestionAnswering,
    AutoTokenizer,
    HfArgumentParser,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import get_last_checkpoint

logger = logging.getLogger(__name__)
CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"
# TrainingArguments' own defaults, where this project's differ (config.yaml sets the rest).
TRAINING_DEFAULTS: dict[str, Any] = {"output_dir": "outputs/model", "report_to": "none", "push_to_hub": False}


@dataclass
class ModelArguments:
    model_name_or_path: str = field(
        default="distilbert/distilbert-base-uncased", metadata={"help": "A Hub model id, or a local folder."}
    )


@dataclass
class DataArguments:
    dataset_name: str | None = field(
        default="rajpurkar/squad", metadata={"help": "A Hub dataset; not read when --train_file is given."}
    )
    train_file: str | None = field(default=None, metadata={"help": "Training examples: a local json or jsonl file."})
    validation_file: str | None = field(default=None, metadata={"help": "Evaluation examples, as --train_file."})
    train_split: str = field(default="train", metadata={"help": "The Hub dataset's split to train on."})
    validation_split: str = field(default="validation", metadata={"help": "The Hub dataset's split to evaluate on."})
    max_length: int = field(default=384, metadata={"help": "Question and context are cut to this many tokens."})


def parse_arguments(argv: list[str] | None = None) -> tuple[ModelArguments, DataArguments, TrainingArguments]:
    """``[FILE.yaml | FILE.json] [--flag value ...]``: the file's fields, with the flags over them;
    without a file, config.yaml beside pyproject.toml where there is one."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
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


def start_logging(training: TrainingArguments) -> None:
    """Logging as transformers' scripts set it up: INFO on the main process, WARNING elsewhere."""
    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
    )
    if training.should_log:  # log_level "passive" (the default) means transformers' level: INFO here
        transformers.utils.logging.set_verbosity_info()
    level = training.get_process_log_level()
    logger.setLevel(level)
    datasets.utils.logging.set_verbosity(level)
    transformers.utils.logging.set_verbosity(level)
    transformers.utils.logging.enable_default_handler()
    transformers.utils.logging.enable_explicit_format()


def log_run(training: TrainingArguments) -> None:
    """What a run says first: the versions, the device, the world size, the batch it adds up to."""
    import accelerate
    import torch

    logger.info(
        "versions: torch %s, transformers %s, datasets %s, accelerate %s",
        torch.__version__, transformers.__version__, datasets.__version__, accelerate.__version__,
    )  # fmt: skip
    logger.info(
        "device: %s, world size: %d, distributed: %s",
        training.device, training.world_size, training.parallel_mode.value,
    )  # fmt: skip
    per_device, steps = training.per_device_train_batch_size, training.gradient_accumulation_steps
    logger.info(
        "effective batch size: %d (%d per device x %d processes x %d accumulation steps)",
        per_device * training.world_size * steps, per_device, training.world_size, steps,
    )  # fmt: skip


def load_data(data: DataArguments) -> DatasetDict:
    """``train`` and, where there is one, ``validation``: local files when given, else the Hub's."""
    if data.train_file is not None:
        files = {"train": data.train_file, **({"validation": data.validation_file} if data.validation_file else {})}
        kind = {".csv": "csv", ".json": "json", ".jsonl": "json"}.get(Path(data.train_file).suffix.lower())
        if kind is None:
            raise SystemExit(f"--train_file {data.train_file}: give a .csv, .json or .jsonl file")
        return load_dataset(kind, data_files=files)
    if data.dataset_name is None:
        raise SystemExit("give --dataset_name or --train_file")
    raw = load_dataset(data.dataset_name)
    splits = {"train": raw[data.train_split]}
    if data.validation_split in raw:
        splits["validation"] = raw[data.validation_split]
    return DatasetDict(splits)


def tokenize(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, data: DataArguments) -> Dataset:
    """Question and context as one sequence, and the answer's first and last token as labels.

    An answer cut off by truncation points at the first token ([CLS]): "no answer here".
    """

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        encoded = tokenizer(
            batch["question"], batch["context"], truncation="only_second", max_length=data.max_length,
            padding="max_length", return_offsets_mapping=True,
        )  # fmt: skip
        starts, ends = [], []
        for index, offsets in enumerate(encoded.pop("offset_mapping")):
            answer = batch["answers"][index]
            first_char = answer["answer_start"][0]
            last_char = first_char + len(answer["text"][0])
            context = [i for i, part in enumerate(encoded.sequence_ids(index)) if part == 1]
            start = next((i for i in context if offsets[i][0] <= first_char < offsets[i][1]), 0)
            end = next((i for i in reversed(context) if offsets[i][0] < last_char <= offsets[i][1]), 0)
            starts.append(start if start and end else 0)
            ends.append(end if start and end else 0)
        encoded["start_positions"], encoded["end_positions"] = starts, ends
        return encoded

    return dataset.map(encode, batched=True, remove_columns=dataset.column_names)


def build_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: Dataset,
    eval_dataset: Dataset | None,
    training: TrainingArguments,
) -> Trainer:
    """The Trainer for already tokenized datasets."""
    return Trainer(
        model=model, args=training, train_dataset=train_dataset, eval_dataset=eval_dataset, processing_class=tokenizer
    )


def last_checkpoint(training: TrainingArguments) -> str | None:
    """Where training resumes: the checkpoint asked for, else the last one in output_dir."""
    if training.resume_from_checkpoint is not None:
        return training.resume_from_checkpoint
    folder = Path(training.output_dir) if training.output_dir else None
    found = get_last_checkpoint(str(folder)) if folder is not None and folder.is_dir() else None
    if found is not None:
        logger.info("resuming from %s", found)
    return found


def main(argv: list[str] | None = None) -> None:
    model_arguments, data, training = parse_arguments(argv)
    start_logging(training)
    log_run(training)
    set_seed(training.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_arguments.model_name_or_path)
    model = AutoModelForQuestionAnswering.from_pretrained(model_arguments.model_name_or_path)
    raw = load_data(data)
    with training.main_process_first(desc="tokenizing"):
        train_dataset = tokenize(raw["train"], tokenizer, data)
        eval_dataset = tokenize(raw["validation"], tokenizer, data) if "validation" in raw else None
    if eval_dataset is None:
        training.eval_strategy = "no"  # nothing to evaluate on
    trainer = build_trainer(model, tokenizer, train_dataset, eval_dataset, training)
    result = trainer.train(resume_from_checkpoint=last_checkpoint(training))
    trainer.save_model()  # safetensors weights, with the tokenizer, in output_dir
    trainer.save_state()
    logger.info("train: %s", result.metrics)
    if eval_dataset is not None:
        logger.info("eval: %s", trainer.evaluate())
    accelerator = trainer.accelerator
    del trainer  # it holds the DDP wrapper
    accelerator.wait_for_everyone()
    accelerator.free_memory()  # drops the DDP wrappers, while the group is still alive
    accelerator.end_training()  # destroys the group


if __name__ == "__main__":
    main()

