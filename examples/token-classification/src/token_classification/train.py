"""Fine-tune a token classifier (named entities) with the Trainer.

    python -m token_classification.train [config.toml]            # one process (CPU or one GPU)
    accelerate launch -m token_classification.train [config.toml] # many GPUs or nodes

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
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
)

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"
IGNORED = -100  # label of sub-word pieces and special tokens: the loss skips them


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def tokenize(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, data: dict[str, Any]) -> Dataset:
    """Sub-word ids for the words, with each word's tag on its first piece only."""

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        encoded = tokenizer(batch[data["words_column"]], is_split_into_words=True, truncation=True, max_length=data["max_length"])
        labels = []
        for index, tags in enumerate(batch[data["tags_column"]]):
            previous = None
            row = []
            for word in encoded.word_ids(batch_index=index):
                row.append(IGNORED if word is None or word == previous else tags[word])
                previous = word
            labels.append(row)
        encoded["labels"] = labels
        return encoded

    return dataset.map(encode, batched=True, remove_columns=dataset.column_names)


def accuracy(eval_prediction: Any) -> dict[str, float]:
    """Accuracy over the labelled tokens (first pieces of words)."""
    logits, labels = eval_prediction
    predictions = np.argmax(logits, axis=-1)
    mask = labels != IGNORED
    import evaluate

    return evaluate.load("accuracy").compute(predictions=predictions[mask], references=labels[mask])


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
        data_collator=DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
        compute_metrics=accuracy if eval_dataset is not None else None,
    )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = load_config(Path(args[0]) if args else CONFIG)
    data, labels = settings["data"], settings["model"]["labels"]
    tokenizer = AutoTokenizer.from_pretrained(settings["model"]["name"])
    model = AutoModelForTokenClassification.from_pretrained(
        settings["model"]["name"],
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
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

