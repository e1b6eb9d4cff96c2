"""Fine-tune an extractive question-answering model with the Trainer.

    python -m question_answering.train [config.toml]            # one process (CPU or one GPU)
    accelerate launch -m question_answering.train [config.toml] # many GPUs or nodes

Distribution is accelerate's job: the Trainer runs on it, so no hand-written DDP is needed.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

from datasets import Dataset, load_dataset
from transformers import (
    AutoModelForQuestionAnswering,
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
    """Question and context as one sequence, and the answer's first and last token as labels.

    An answer cut off by truncation points at the first token ([CLS]): "no answer here".
    """

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        encoded = tokenizer(
            batch["question"], batch["context"], truncation="only_second", max_length=data["max_length"],
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
    return Trainer(model=model, args=arguments, train_dataset=train_dataset, eval_dataset=eval_dataset, processing_class=tokenizer)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = load_config(Path(args[0]) if args else CONFIG)
    data = settings["data"]
    tokenizer = AutoTokenizer.from_pretrained(settings["model"]["name"])
    model = AutoModelForQuestionAnswering.from_pretrained(settings["model"]["name"])
    raw = load_dataset(data["dataset"])
    trainer = build_trainer(
        model,
        tokenizer,
        tokenize(raw[data["train_split"]], tokenizer, data),
        tokenize(raw[data["eval_split"]], tokenizer, data),
        settings,
    )
    trainer.train()
    print(trainer.evaluate())  # the validation loss; exact-match/F1 scoring: see `question_answering.predict`
    trainer.save_model()  # safetensors weights, with the tokenizer, in output_dir


if __name__ == "__main__":
    main()

