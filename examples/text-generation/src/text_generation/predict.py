"""Generate text with the base model and a trained LoRA adapter.

    python -m text_generation.predict outputs/adapter "Once upon a time"
"""

from __future__ import annotations

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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        raise SystemExit("usage: python -m text_generation.predict ADAPTER_DIR PROMPT [PROMPT ...]")
    model = AutoPeftModelForCausalLM.from_pretrained(args[0])  # the base model named in adapter_config.json
    tokenizer = AutoTokenizer.from_pretrained(args[0])  # saved with the adapter
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    for text in predict(args[1:], model, tokenizer):
        print(text)


if __name__ == "__main__":
    main()

