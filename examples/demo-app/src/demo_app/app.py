"""A web demo of a text classifier (gradio).

    python -m demo_app.app
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import gradio as gr
from transformers import Pipeline, pipeline

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def load_classifier(settings: dict[str, Any]) -> Pipeline:
    return pipeline(settings["model"]["task"], model=settings["model"]["name"])


def classify(text: str, classifier: Pipeline) -> dict[str, float]:
    """Every label with its score, best first."""
    scores = classifier(text, top_k=None)
    return {row["label"]: float(row["score"]) for row in sorted(scores, key=lambda row: -row["score"])}


def build_app(classifier: Pipeline, title: str) -> gr.Blocks:
    with gr.Blocks(title=title) as app:
        gr.Markdown(f"# {title}")
        text = gr.Textbox(label="Text", value="A delightful film.")
        label = gr.Label(label="Prediction")
        gr.Button("Classify").click(lambda value: classify(value, classifier), inputs=text, outputs=label)
    return app


def main() -> None:
    settings = load_config()
    build_app(load_classifier(settings), settings["app"]["title"]).launch()


if __name__ == "__main__":
    main()

