"""Generate text with the base model and a trained LoRA adapter.

    python -m text_generation.predict "Once upon a time"   # the adapter in outputs/adapter
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch
from peft import AutoPeftModelForCausalLM
from transformers import AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase


@torch.no_grad()
def predict(prompts: Sequence[str], model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, max_new_tokens: int = 50) -> list[str]:
    """The continuation of each prompt (greedy decoding), prompt included."""
    model.eval()
    outputs = []
    for prompt in prompts:
        encoded = tokenizer(prompt, return_tensors="pt")
        generated = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        outputs.append(tokenizer.decode(generated[0], skip_special_tokens=True))
    return outputs


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m text_generation.predict", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model_name_or_path", default="outputs/adapter", help="what train saved (its --output_dir: %(default)s), or a Hub id"
    )
    parser.add_argument("prompts", nargs="+", metavar="PROMPT", help="the texts to continue")
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    model = AutoPeftModelForCausalLM.from_pretrained(args.model_name_or_path)  # the base model named in adapter_config.json
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)  # saved with the adapter
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    for text in predict(args[1:], model, tokenizer):
        print(text)


if __name__ == "__main__":
    main()

