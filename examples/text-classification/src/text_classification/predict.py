"""Classify texts with a fine-tuned model.

    python -m text_classification.predict outputs/model "a great film" "a dull film"
"""

from __future__ import annotations

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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        raise SystemExit("usage: python -m text_classification.predict MODEL_DIR TEXT [TEXT ...]")
    model = AutoModelForSequenceClassification.from_pretrained(args[0])
    tokenizer = AutoTokenizer.from_pretrained(args[0])
    for text, label in zip(args[1:], predict(args[1:], model, tokenizer)):
        print(f"{model.config.id2label.get(label, label)}\t{text}")


if __name__ == "__main__":
    main()

