"""Answer questions from a context with a fine-tuned model.

    python -m question_answering.predict outputs/model "Where does Anna live?" "Anna lives in Paris."
"""

from __future__ import annotations

import sys

import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase


@torch.no_grad()
def predict(question: str, context: str, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, max_answer_tokens: int = 30) -> str:
    """The best span of ``context`` (start before end, at most ``max_answer_tokens`` long)."""
    model.eval()
    encoded = tokenizer(question, context, truncation="only_second", return_offsets_mapping=True, return_tensors="pt")
    offsets = encoded.pop("offset_mapping")[0].tolist()
    output = model(**encoded)
    start_logits, end_logits = output.start_logits[0], output.end_logits[0]
    context_tokens = [i for i, part in enumerate(encoded.sequence_ids(0)) if part == 1]
    best, span = float("-inf"), (0, 0)
    for start in context_tokens:
        for end in context_tokens:
            if start <= end < start + max_answer_tokens and (score := float(start_logits[start] + end_logits[end])) > best:
                best, span = score, (start, end)
    return context[offsets[span[0]][0] : offsets[span[1]][1]]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        raise SystemExit("usage: python -m question_answering.predict MODEL_DIR QUESTION CONTEXT")
    model = AutoModelForQuestionAnswering.from_pretrained(args[0])
    tokenizer = AutoTokenizer.from_pretrained(args[0])
    print(predict(args[1], args[2], model, tokenizer))


if __name__ == "__main__":
    main()

