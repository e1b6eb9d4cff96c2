"""Fine-tune a sequence-to-sequence summarizer with the Seq2SeqTrainer.

    python -m summarization.train                      # the fields of config.yaml
    python -m summarization.train run.yaml --max_steps 100   # another file; a flag overrides its field
    python -m summarization.train --model_name_or_path google-t5/t5-small \
        --train_file train.csv --validation_file validation.csv --output_dir outputs/small
    accelerate launch --config_file configs/accelerate/multi-gpu.yaml -m summarization.train

The flags are those of transformers' example scripts: the fields of the dataclasses below and of
Seq2SeqTrainingArguments (`--help` lists them).
Distribution is accelerate's job, under the Trainer: the same module runs on a CPU, one GPU, many
GPUs or many nodes (configs/accelerate/, the README).
The evaluation is the validation loss; `rouge` scores generated summaries.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import transformers
import yaml
from datasets import Dataset, DatasetDict, load_dataset
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    HfArgumentParser,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import get_last_checkpoint

logger = logging.getLogger(__name__)
CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"
# Seq2SeqTrainingArguments' own defaults, where this project's differ (config.yaml sets the rest).
TRAINING_DEFAULTS: dict[str, Any] = {"output_dir": "outputs/model", "report_to": "none", "push_to_hub": False}


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="google-t5/t5-small", metadata={"help": "A Hub model id, or a local folder."})


@dataclass
class DataArguments:
    dataset_name: str | None = field(
        default="abisee/cnn_dailymail", metadata={"help": "A Hub dataset; not read when --train_file is given."}
    )
    dataset_config_name: str | None = field(default="3.0.0", metadata={"help": "The Hub dataset's configuration."})
    train_file: str | None = field(default=None, metadata={"help": "Training texts and summaries: a local csv, json or jsonl file."})
    validation_file: str | None = field(default=None, metadata={"help": "Evaluation texts and summaries, as --train_file."})
    train_split: str = field(default="train", metadata={"help": "The Hub dataset's split to train on."})
    validation_split: str = field(default="validation", metadata={"help": "The Hub dataset's split to evaluate on."})
    text_column: str = field(default="article", metadata={"help": "The column of texts."})
    summary_column: str = field(default="highlights", metadata={"help": "The column of their summaries."})
    source_prefix: str = field(default="summarize: ", metadata={"help": "What T5 expects before a text; '' for BART-like models."})
    max_source_length: int = field(default=512, metadata={"help": "Texts are cut to this many tokens."})
    max_target_length: int = field(default=64, metadata={"help": "Summaries are cut to this many tokens."})


def parse_arguments(argv: list[str] | None = None) -> tuple[ModelArguments, DataArguments, Seq2SeqTrainingArguments]:
    """``[FILE.yaml | FILE.json] [--flag value ...]``: the file's fields, with the flags over them;
    without a file, config.yaml beside pyproject.toml where there is one."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = HfArgumentParser((ModelArguments, DataArguments, Seq2SeqTrainingArguments))
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
    raw = load_dataset(data.dataset_name, data.dataset_config_name)
    splits = {"train": raw[data.train_split]}
    if data.validation_split in raw:
        splits["validation"] = raw[data.validation_split]
    return DatasetDict(splits)


def tokenize(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, data: DataArguments) -> Dataset:
    """Token ids of the prefixed text, and of the summary as `labels`."""

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        sources = [data.source_prefix + text for text in batch[data.text_column]]
        encoded = tokenizer(sources, max_length=data.max_source_length, truncation=True)
        targets = tokenizer(text_target=batch[data.summary_column], max_length=data.max_target_length, truncation=True)
        encoded["labels"] = targets["input_ids"]
        return encoded

    return dataset.map(encode, batched=True, remove_columns=dataset.column_names)

def rouge(predictions: list[str], references: list[str]) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F-measures of generated summaries against references,
    averaged, on lowercased words; computed here: no download (`--with torchmetrics` or `--with
    evaluate` for theirs, which can stem words)."""

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    def ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
        return Counter(zip(*(tokens[i:] for i in range(n))))

    def longest_common_subsequence(a: list[str], b: list[str]) -> int:
        previous = [0] * (len(b) + 1)
        for x in a:
            current = [0]
            for j, y in enumerate(b, 1):
                current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
            previous = current
        return previous[-1]

    def f_measure(overlap: int, predicted: int, reference: int) -> float:
        return 2 * overlap / (predicted + reference) if overlap else 0.0  # 2PR / (P + R)

    totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    for prediction, reference in zip(predictions, references, strict=True):
        p, r = words(prediction), words(reference)
        for n in (1, 2):
            found, wanted = ngrams(p, n), ngrams(r, n)
            totals[f"rouge{n}"] += f_measure(sum((found & wanted).values()), sum(found.values()), sum(wanted.values()))
        totals["rougeL"] += f_measure(longest_common_subsequence(p, r), len(p), len(r))
    return {name: total / len(predictions) if predictions else 0.0 for name, total in totals.items()}


def build_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: Dataset,
    eval_dataset: Dataset | None,
    training: Seq2SeqTrainingArguments,
) -> Seq2SeqTrainer:
    """The trainer for already tokenized datasets."""
    return Seq2SeqTrainer(
        model=model,
        args=training,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
        processing_class=tokenizer,
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
    model = AutoModelForSeq2SeqLM.from_pretrained(model_arguments.model_name_or_path)
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

