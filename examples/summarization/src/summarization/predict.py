"""Summarize texts with a fine-tuned model.

    python -m summarization.predict outputs/model "A long article ..."
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from summarization.train import CONFIG, load_config


@torch.no_grad()
def predict(texts: Sequence[str], model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, *, prefix: str = "", max_new_tokens: int = 64) -> list[str]:
    """One summary per text (greedy decoding)."""
    model.eval()
    encoded = tokenizer([prefix + text for text in texts], truncation=True, padding=True, return_tensors="pt")
    generated = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False)
    return tokenizer.batch_decode(generated, skip_special_tokens=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        raise SystemExit("usage: python -m summarization.predict MODEL_DIR TEXT [TEXT ...]")
    model = AutoModelForSeq2SeqLM.from_pretrained(args[0])
    tokenizer = AutoTokenizer.from_pretrained(args[0])
    for summary in predict(args[1:], model, tokenizer, prefix=load_config(CONFIG)["model"]["prefix"]):
        print(summary)


if __name__ == "__main__":
    main()

