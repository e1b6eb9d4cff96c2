"""Tag the words of sentences with a fine-tuned model.

    python -m token_classification.predict "George lives in Paris"   # the model in outputs/model
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase


@torch.no_grad()
def predict(sentences: Sequence[Sequence[str]], model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> list[list[int]]:
    """One tag id per word of each sentence (the prediction for the word's first piece)."""
    model.eval()
    encoded = tokenizer([list(s) for s in sentences], is_split_into_words=True, truncation=True, padding=True, return_tensors="pt")
    predicted = model(**encoded).logits.argmax(dim=-1).tolist()
    tags: list[list[int]] = []
    for index, sentence in enumerate(sentences):
        first: dict[int, int] = {}
        for position, word in enumerate(encoded.word_ids(batch_index=index)):
            if word is not None and word not in first:
                first[word] = predicted[index][position]
        tags.append([first.get(word, 0) for word in range(len(sentence))])
    return tags


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m token_classification.predict", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model_name_or_path", default="outputs/model", help="what train saved (its --output_dir: %(default)s), or a Hub id"
    )
    parser.add_argument("sentences", nargs="+", metavar="SENTENCE", help="sentences, their words split at spaces")
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    model = AutoModelForTokenClassification.from_pretrained(args.model_name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)
    sentences = [sentence.split() for sentence in args.sentences]
    for words, tags in zip(sentences, predict(sentences, model, tokenizer)):
        print(" ".join(f"{word}/{model.config.id2label.get(tag, tag)}" for word, tag in zip(words, tags)))


if __name__ == "__main__":
    main()

