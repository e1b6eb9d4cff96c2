"""A web demo of a text classifier (gradio), offline: analytics off, and the page loads its
fonts and scripts from this server only (system fonts, no web fonts).

    python -m demo_app.app                          # config.toml's model, on 127.0.0.1:7860
    python -m demo_app.app run.toml --port 8000     # another file's, on another port
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

import gradio as gr
from transformers import Pipeline, pipeline

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"
# System fonts: a theme's web fonts would be fetched from another host by every visitor.
THEME = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


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
    with gr.Blocks(title=title, analytics_enabled=False) as app:
        gr.Markdown(f"# {title}")
        text = gr.Textbox(label="Text", value="A delightful film.")
        label = gr.Label(label="Prediction")
        gr.Button("Classify").click(lambda value: classify(value, classifier), inputs=text, outputs=label)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo_app.app", description="The demo, on this machine.")
    parser.add_argument("config", nargs="?", type=Path, default=CONFIG, help="a TOML file like config.toml")
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 serves other machines too")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    settings = load_config(args.config)
    app = build_app(load_classifier(settings), settings["app"]["title"])
    app.launch(server_name=args.host, server_port=args.port, theme=THEME)


if __name__ == "__main__":
    main()

