"""Summarize texts with a fine-tuned model.

    python -m summarization.predict outputs/model "A long article ..."
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import torch
import yaml
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from summarization.train import CONFIG, DataArguments


@torch.no_grad()
def predict(texts: Sequence[str], model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, *, prefix: str = "", max_new_tokens: int = 64) -> list[str]:
    """One summary per text (greedy decoding)."""
    model.eval()
    encoded = tokenizer([prefix + text for text in texts], truncation=True, padding=True, return_tensors="pt")
    generated = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False)
    return tokenizer.batch_decode(generated, skip_special_tokens=True)


def source_prefix() -> str:
    """The prefix the model was trained with: config.yaml's, else the default."""
    fields = yaml.safe_load(CONFIG.read_text(encoding="utf-8")) if CONFIG.is_file() else None
    return str((fields or {}).get("source_prefix", DataArguments.source_prefix))


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        raise SystemExit("usage: python -m summarization.predict MODEL_DIR TEXT [TEXT ...]")
    model = AutoModelForSeq2SeqLM.from_pretrained(args[0])
    tokenizer = AutoTokenizer.from_pretrained(args[0])
    for summary in predict(args[1:], model, tokenizer, prefix=source_prefix()):
        print(summary)


if __name__ == "__main__":
    main()

