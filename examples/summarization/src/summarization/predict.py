"""Summarize texts with a fine-tuned model.

    python -m summarization.predict "A long article ..."   # the model in outputs/model
"""

from __future__ import annotations

import argparse
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


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m summarization.predict", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model_name_or_path", default="outputs/model", help="what train saved (its --output_dir: %(default)s), or a Hub id"
    )
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="the texts to summarize")
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    model = AutoModelForSeq2SeqLM.from_pretrained(args.model_name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)
    for summary in predict(args.texts, model, tokenizer, prefix=source_prefix()):
        print(summary)


if __name__ == "__main__":
    main()

