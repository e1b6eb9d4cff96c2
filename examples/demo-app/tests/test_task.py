"""The demo, offline: a tiny classifier built from a config (no Hub download) behind the app,
and the page itself served on localhost and used in headless Chromium, where a request to any
other host fails the test."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast, pipeline

from demo_app.app import classify, load_config

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "delightful", "dull", "film"]


def tiny_classifier():
    torch.manual_seed(0)
    backend = Tokenizer(models.WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]")
    config = BertConfig(
        vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=32, num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )  # fmt: skip
    return pipeline("text-classification", model=BertForSequenceClassification(config), tokenizer=tokenizer)


def test_classify_scores_every_label() -> None:
    scores = classify("a delightful film", tiny_classifier())
    assert set(scores) == {"NEGATIVE", "POSITIVE"}
    assert abs(sum(scores.values()) - 1.0) < 1e-5
    assert list(scores.values()) == sorted(scores.values(), reverse=True)


def test_the_config_names_a_model() -> None:
    assert load_config()["model"]["name"]


def test_the_app_builds_and_its_button_classifies() -> None:
    import gradio as gr

    from demo_app.app import build_app

    app = build_app(tiny_classifier(), "demo")
    assert isinstance(app, gr.Blocks) and app.analytics_enabled is False
    buttons = [block for block in app.blocks.values() if isinstance(block, gr.Button)]
    assert len(buttons) == 1


# Debian's `chromium` package, or any Chromium or Chrome (CHROMIUM names one elsewhere).
CHROMIUM = os.environ.get("CHROMIUM") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The app, started as a user starts it, on a free port of localhost, with the tiny classifier
    saved in a local folder as its model."""
    model = tmp_path / "model"
    tiny_classifier().save_pretrained(model)
    config = tmp_path / "config.toml"
    config.write_text(f'[model]\nname = "{model.as_posix()}"\ntask = "text-classification"\n\n[app]\ntitle = "demo"\n')
    port = free_port()
    command = [sys.executable, "-m", "demo_app.app", str(config), "--port", str(port)]
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"the app did not start:\n{log.read_text()[-3000:]}")
                    time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.terminate()
            server.wait(timeout=30)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost", "::1")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (Debian: apt install chromium; or set CHROMIUM)")
def test_the_page_classifies_a_text_and_asks_no_other_host(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []
    with sync_playwright() as playwright:
        # Chromium's own background traffic (updates, sync) is switched off; the page's is recorded.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda request: None if is_local(request.url) else elsewhere.append(request.url))
            page.goto(served, wait_until="networkidle")
            page.get_by_label("Text").fill("a delightful film")
            page.get_by_role("button", name="Classify").click()
            page.get_by_text(re.compile("POSITIVE|NEGATIVE")).first.wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        finally:
            browser.close()
    assert elsewhere == [], f"the page asked other hosts: {elsewhere}"
    assert (tmp_path / "page.png").stat().st_size > 0

