"""Fine-tune a sequence-to-sequence summarizer with the Seq2SeqTrainer.

    python -m summarization.train [config.toml]            # one process (CPU or one GPU)
    accelerate launch -m summarization.train [config.toml] # many GPUs or nodes

Distribution is accelerate's job: the Trainer runs on it, so no hand-written DDP is needed.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

from datasets import Dataset, load_dataset
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
)

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def tokenize(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, settings: dict[str, Any]) -> Dataset:
    data, prefix = settings["data"], settings["model"]["prefix"]

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        sources = [prefix + text for text in batch[data["text_column"]]]
        encoded = tokenizer(sources, max_length=data["max_source_length"], truncation=True)
        targets = tokenizer(text_target=batch[data["summary_column"]], max_length=data["max_target_length"], truncation=True)
        encoded["labels"] = targets["input_ids"]
        return encoded

    return dataset.map(encode, batched=True, remove_columns=dataset.column_names)


def build_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: Dataset,
    eval_dataset: Dataset | None,
    settings: dict[str, Any],
    **overrides: Any,
) -> Seq2SeqTrainer:
    """The trainer for already tokenized datasets; ``overrides`` go to Seq2SeqTrainingArguments."""
    train = settings["train"]
    arguments = Seq2SeqTrainingArguments(
        output_dir=train["output_dir"],
        learning_rate=train["learning_rate"],
        per_device_train_batch_size=train["batch_size"],
        per_device_eval_batch_size=train["batch_size"],
        num_train_epochs=train["epochs"],
        seed=train["seed"],
        report_to=[],
        **overrides,
    )
    return Seq2SeqTrainer(
        model=model,
        args=arguments,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
        processing_class=tokenizer,
    )


def rouge(predictions: list[str], references: list[str]) -> dict[str, float]:
    """ROUGE of generated summaries against references (needs the `rouge_score` package)."""
    import evaluate

    return evaluate.load("rouge").compute(predictions=predictions, references=references)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = load_config(Path(args[0]) if args else CONFIG)
    data = settings["data"]
    tokenizer = AutoTokenizer.from_pretrained(settings["model"]["name"])
    model = AutoModelForSeq2SeqLM.from_pretrained(settings["model"]["name"])
    raw = load_dataset(data["dataset"], data.get("config"))
    trainer = build_trainer(
        model,
        tokenizer,
        tokenize(raw[data["train_split"]], tokenizer, settings),
        tokenize(raw[data["eval_split"]], tokenizer, settings),
        settings,
    )
    trainer.train()
    print(trainer.evaluate())
    trainer.save_model()  # safetensors weights, with the tokenizer, in output_dir


if __name__ == "__main__":
    main()

