"""Fine-tune a text classifier with the Trainer.

    python -m text_classification.train [config.toml]            # one process (CPU or one GPU)
    accelerate launch -m text_classification.train [config.toml] # many GPUs or nodes

Distribution is accelerate's job: the Trainer runs on it, so no hand-written DDP is needed.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset, load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
)

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def tokenize(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, data: dict[str, Any]) -> Dataset:
    """Token ids for the text column, and the label column as `labels` (what the model expects)."""

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        encoded = tokenizer(batch[data["text_column"]], truncation=True, max_length=data["max_length"], padding="max_length")
        encoded["labels"] = batch[data["label_column"]]
        return encoded

    return dataset.map(encode, batched=True, remove_columns=dataset.column_names)


def accuracy(eval_prediction: Any) -> dict[str, float]:
    import evaluate

    logits, labels = eval_prediction
    return evaluate.load("accuracy").compute(predictions=np.argmax(logits, axis=-1), references=labels)
def build_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: Dataset,
    eval_dataset: Dataset | None,
    settings: dict[str, Any],
    **overrides: Any,
) -> Trainer:
    """The Trainer for already tokenized datasets; ``overrides`` go to TrainingArguments."""
    train = settings["train"]
    arguments = TrainingArguments(
        output_dir=train["output_dir"],
        learning_rate=train["learning_rate"],
        per_device_train_batch_size=train["batch_size"],
        per_device_eval_batch_size=train["batch_size"],
        num_train_epochs=train["epochs"],
        seed=train["seed"],
        report_to=[],
        **overrides,
    )
    return Trainer(
        model=model,
        args=arguments,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=tokenizer,
        compute_metrics=accuracy if eval_dataset is not None else None,
    )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = load_config(Path(args[0]) if args else CONFIG)
    data, model_name = settings["data"], settings["model"]["name"]
    tokenizer = AutoTokenizer.from_pretrained(model_name)
    model = AutoModelForSequenceClassification.from_pretrained(model_name, num_labels=settings["model"]["num_labels"])
    raw = load_dataset(data["dataset"])
    trainer = build_trainer(
        model,
        tokenizer,
        tokenize(raw[data["train_split"]], tokenizer, data),
        tokenize(raw[data["eval_split"]], tokenizer, data),
        settings,
    )
    trainer.train()
    print(trainer.evaluate())
    trainer.save_model()  # safetensors weights, with the tokenizer, in output_dir


if __name__ == "__main__":
    main()

