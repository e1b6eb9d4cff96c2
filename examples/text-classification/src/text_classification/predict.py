"""Classify texts with a fine-tuned model.

    python -m text_classification.predict "a great film" "a dull film"   # the model in outputs/model
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase


@torch.no_grad()
def predict(texts: Sequence[str], model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, batch_size: int = 32) -> list[int]:
    """The predicted label id of each text."""
    model.eval()
    labels: list[int] = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(list(texts[start : start + batch_size]), truncation=True, padding=True, return_tensors="pt")
        labels += model(**batch).logits.argmax(dim=-1).tolist()
    return labels


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m text_classification.predict", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model_name_or_path", default="outputs/model", help="what train saved (its --output_dir: %(default)s), or a Hub id"
    )
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="the texts to classify")
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    model = AutoModelForSequenceClassification.from_pretrained(args.model_name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)
    for text, label in zip(args.texts, predict(args.texts, model, tokenizer)):
        print(f"{model.config.id2label.get(label, label)}\t{text}")


if __name__ == "__main__":
    main()

