"""Answer questions from a context with a fine-tuned model.

    python -m question_answering.predict "Where does Anna live?" "Anna lives in Paris."   # the model in outputs/model
"""

from __future__ import annotations

import argparse
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


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m question_answering.predict", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model_name_or_path", default="outputs/model", help="what train saved (its --output_dir: %(default)s), or a Hub id"
    )
    parser.add_argument("question", metavar="QUESTION", help="the question")
    parser.add_argument("context", metavar="CONTEXT", help="the text that holds the answer")
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    model = AutoModelForQuestionAnswering.from_pretrained(args.model_name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)
    print(predict(args.question, args.context, model, tokenizer))


if __name__ == "__main__":
    main()

