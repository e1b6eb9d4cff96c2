"""Each researched rule at both sides of its boundaries (the versions its evidence checked in the
wheels), and on the Python versions it concerns."""

from __future__ import annotations

import pytest
from packaging.version import Version

from hfscaffold.adapters.knowledge_files import builtin_rules
from hfscaffold.evaluation import evaluate
from hfscaffold.pins import PinSet


def fired(python: str, **versions: str) -> set[str]:
    pins = PinSet(
        {name.replace("_", "-"): (Version(v),) for name, v in versions.items()},
        "env", python=Version(python), platform="linux", machine="x86_64",
    )  # fmt: skip
    return {v.rule.id for v in evaluate(builtin_rules(), pins)}


CASES = [
    ("onnxruntime-numpy2-abi", "3.11.9", {"onnxruntime": "1.18.0", "numpy": "2.0.0"}, True),
    ("onnxruntime-numpy2-abi", "3.11.9", {"onnxruntime": "1.19.0", "numpy": "2.0.0"}, False),
    ("onnxruntime-numpy2-abi", "3.11.9", {"onnxruntime": "1.18.0", "numpy": "1.26.4"}, False),
    ("scikit-learn-numpy2-abi", "3.11.9", {"scikit_learn": "1.3.0", "numpy": "2.0.0"}, True),
    ("scikit-learn-numpy2-abi", "3.11.9", {"scikit_learn": "1.4.2", "numpy": "2.0.0"}, False),
    ("datasets-numpy2-copy-false", "3.11.9", {"datasets": "2.20.0", "numpy": "2.0.0"}, True),
    ("datasets-numpy2-copy-false", "3.11.9", {"datasets": "2.21.0", "numpy": "2.0.0"}, False),
    ("lm-eval-basqueglue-load-metric", "3.11.9", {"lm_eval": "0.4.13", "datasets": "3.0.0"}, True),
    ("lm-eval-basqueglue-load-metric", "3.11.9", {"lm_eval": "0.4.2", "datasets": "3.0.0"}, False),
    ("lm-eval-basqueglue-load-metric", "3.11.9", {"lm_eval": "0.4.13", "datasets": "2.21.0"}, False),
    ("lm-eval-scrolls-load-metric", "3.11.9", {"lm_eval": "0.4.7", "datasets": "3.0.0"}, True),
    ("lm-eval-scrolls-load-metric", "3.11.9", {"lm_eval": "0.4.8", "datasets": "3.0.0"}, False),
    ("lm-eval-squadv2-load-metric", "3.11.9", {"lm_eval": "0.4.4", "datasets": "3.0.0"}, True),
    ("lm-eval-squadv2-load-metric", "3.11.9", {"lm_eval": "0.4.5", "datasets": "3.0.0"}, False),
    ("tokenizers-no-cp312-wheel", "3.12.1", {"tokenizers": "0.13.3"}, True),
    ("tokenizers-no-cp312-wheel", "3.11.9", {"tokenizers": "0.13.3"}, False),
    ("tokenizers-no-cp312-wheel", "3.12.1", {"tokenizers": "0.14.0"}, False),
    ("tokenizers-no-cp313-wheel", "3.13.0", {"tokenizers": "0.20.1"}, True),
    ("tokenizers-no-cp313-wheel", "3.12.1", {"tokenizers": "0.20.1"}, False),
    ("tokenizers-no-cp313-wheel", "3.13.0", {"tokenizers": "0.20.2"}, False),
    ("tokenizers-no-cp313-wheel", "3.13.0", {"tokenizers": "0.15.2"}, False),  # cp313 wheels uploaded later
    ("tokenizers-no-cp313-wheel", "3.13.0", {"tokenizers": "0.15.0"}, True),
    ("datasets-python314-pickler-batch-setitems", "3.14.0", {"datasets": "4.3.0"}, True),
    ("datasets-python314-pickler-batch-setitems", "3.13.0", {"datasets": "4.3.0"}, False),
    ("datasets-python314-pickler-batch-setitems", "3.14.0", {"datasets": "4.4.0"}, False),
    # transformers 4.4x-5.x and the libraries that subclass its Trainer
    (
        "sentence-transformers-compute-loss-num-items-in-batch",
        "3.11.9",
        {"sentence_transformers": "3.2.1", "transformers": "4.46.1"},
        True,
    ),
    (
        "sentence-transformers-compute-loss-num-items-in-batch",
        "3.11.9",
        {"sentence_transformers": "3.3.0", "transformers": "4.46.1"},
        False,
    ),
    (
        "sentence-transformers-compute-loss-num-items-in-batch",
        "3.11.9",
        {"sentence_transformers": "3.2.1", "transformers": "4.45.2"},
        False,
    ),
    ("setfit-1-1-0-callbackhandler-tokenizer", "3.11.9", {"setfit": "1.1.0", "transformers": "4.46.0"}, True),
    ("setfit-1-1-0-callbackhandler-tokenizer", "3.11.9", {"setfit": "1.1.1", "transformers": "4.46.0"}, False),
    ("setfit-transformers5-default-logdir", "3.11.9", {"setfit": "1.1.3", "transformers": "5.0.0"}, True),
    ("setfit-transformers5-default-logdir", "3.11.9", {"setfit": "1.2.0", "transformers": "5.0.0"}, False),
    ("trl-get-batch-samples-transformers-4-46", "3.11.9", {"trl": "0.11.4", "transformers": "4.46.0"}, True),
    ("trl-get-batch-samples-transformers-4-46", "3.11.9", {"trl": "0.11.4", "transformers": "4.45.2"}, False),
    ("trl-log-start-time-transformers-4-47", "3.11.9", {"trl": "0.12.1", "transformers": "4.47.0"}, True),
    ("trl-log-start-time-transformers-4-47", "3.11.9", {"trl": "0.13.0", "transformers": "4.47.0"}, False),
    # runtime gates inside transformers, TensorFlow/Keras
    ("transformers-chat-template-jinja2-31", "3.11.9", {"transformers": "4.42.0", "jinja2": "3.0.3"}, True),
    ("transformers-chat-template-jinja2-31", "3.11.9", {"transformers": "4.41.2", "jinja2": "3.0.3"}, False),
    ("transformers-chat-template-jinja2-316", "3.11.9", {"transformers": "5.22.2", "jinja2": "3.1.5"}, True),
    ("transformers-chat-template-jinja2-316", "3.11.9", {"transformers": "5.22.2", "jinja2": "3.1.6"}, False),
    (
        "transformers-sentencepiece-pb2-protobuf4",
        "3.11.9",
        {"transformers": "4.30.2", "sentencepiece": "0.1.99", "protobuf": "4.21.0"},
        True,
    ),
    (
        "transformers-sentencepiece-pb2-protobuf4",
        "3.11.9",
        {"transformers": "4.31.0", "sentencepiece": "0.1.99", "protobuf": "4.21.0"},
        False,
    ),
    ("transformers-trainer-accelerate-0-20", "3.11.9", {"transformers": "4.35.2", "accelerate": "0.20.0"}, True),
    ("transformers-trainer-accelerate-0-20", "3.11.9", {"transformers": "4.35.2", "accelerate": "0.20.1"}, False),
    ("transformers-trainer-accelerate-0-21", "3.11.9", {"transformers": "4.36.0", "accelerate": "0.20.3"}, True),
    ("transformers-trainer-accelerate-0-21", "3.11.9", {"transformers": "4.44.2", "accelerate": "0.21.0"}, False),
    ("transformers-trainer-accelerate-0-26", "3.11.9", {"transformers": "4.45.0", "accelerate": "0.25.0"}, True),
    ("transformers-trainer-accelerate-0-26", "3.11.9", {"transformers": "4.45.0", "accelerate": "0.26.0"}, False),
    ("transformers5-trainer-accelerate-1-1", "3.11.9", {"transformers": "5.0.0", "accelerate": "1.0.1"}, True),
    ("transformers5-trainer-accelerate-1-1", "3.11.9", {"transformers": "5.0.0", "accelerate": "1.1.0"}, False),
    ("transformers-torch-floor-2-1", "3.11.9", {"transformers": "4.52.0", "torch": "2.0.1"}, True),
    ("transformers-torch-floor-2-1", "3.11.9", {"transformers": "4.51.3", "torch": "2.0.1"}, False),
    ("transformers-torch-floor-2-2", "3.11.9", {"transformers": "5.0.0", "torch": "2.1.2"}, True),
    ("transformers-torch-floor-2-2", "3.11.9", {"transformers": "5.0.0", "torch": "2.2.0"}, False),
    ("transformers-torch-floor-2-4", "3.11.9", {"transformers": "5.14.0", "torch": "2.3.1"}, True),
    ("transformers-torch-floor-2-4", "3.11.9", {"transformers": "5.15.0", "torch": "2.3.1"}, False),
    ("transformers-torch-floor-2-5", "3.11.9", {"transformers": "5.19.0", "torch": "2.4.1"}, True),
    ("transformers-torch-floor-2-5", "3.11.9", {"transformers": "5.19.0", "torch": "2.5.0"}, False),
    ("transformers-torch-floor-2-6", "3.11.9", {"transformers": "5.20.0", "torch": "2.5.1"}, True),
    ("transformers-torch-floor-2-6", "3.11.9", {"transformers": "5.20.0", "torch": "2.6.0"}, False),
    ("transformers-tf-keras3-needs-tf-keras", "3.11.9", {"transformers": "4.57.6", "tensorflow": "2.16.1"}, True),
    (
        "transformers-tf-keras3-needs-tf-keras",
        "3.11.9",
        {"transformers": "4.57.6", "tensorflow": "2.16.1", "tf_keras": "2.16.0"},
        False,
    ),
    ("transformers5-no-tensorflow-classes", "3.11.9", {"transformers": "5.0.0", "tensorflow": "2.16.1"}, True),
    ("transformers5-no-tensorflow-classes", "3.11.9", {"transformers": "4.57.6", "tensorflow": "2.16.1"}, False),
    # hub 1.x without requests, setuptools 82 without pkg_resources, gradio's web stack
    (
        "faster-whisper-hub1-requests-undeclared",
        "3.11.9",
        {"faster_whisper": "1.2.0", "huggingface_hub": "1.0.0"},
        True,
    ),
    (
        "faster-whisper-hub1-requests-undeclared",
        "3.11.9",
        {"faster_whisper": "1.2.0", "huggingface_hub": "1.0.0", "requests": "2.32.3"},
        False,
    ),
    (
        "faster-whisper-hub1-requests-undeclared",
        "3.11.9",
        {"faster_whisper": "1.2.1", "huggingface_hub": "1.0.0"},
        False,
    ),
    (
        "sentence-transformers-5-2-requests-undeclared",
        "3.11.9",
        {"sentence_transformers": "5.2.1", "transformers": "5.0.0"},
        True,
    ),
    (
        "sentence-transformers-5-2-requests-undeclared",
        "3.11.9",
        {"sentence_transformers": "5.2.2", "transformers": "5.0.0"},
        False,
    ),
    ("tensorboard-setuptools82-pkg-resources", "3.11.9", {"tensorboard": "2.20.0", "setuptools": "82.0.0"}, True),
    ("tensorboard-setuptools82-pkg-resources", "3.11.9", {"tensorboard": "2.20.0", "setuptools": "81.0.0"}, False),
    ("gradio-setuptools82-pkg-resources", "3.11.9", {"gradio": "3.39.0", "setuptools": "82.0.0"}, True),
    ("gradio-setuptools82-pkg-resources", "3.11.9", {"gradio": "3.40.0", "setuptools": "82.0.0"}, False),
    ("gradio3-gradio-client2-serializing", "3.11.9", {"gradio": "3.40.1", "gradio_client": "2.0.0"}, True),
    ("gradio3-gradio-client2-serializing", "3.11.9", {"gradio": "3.40.1", "gradio_client": "0.17.0"}, False),
    ("gradio-starlette1-templateresponse", "3.11.9", {"gradio": "5.1.0", "starlette": "1.0.0"}, True),
    ("gradio-starlette1-templateresponse", "3.11.9", {"gradio": "5.1.0", "starlette": "0.52.1"}, False),
    ("gradio-client-1-13-1-websockets-asyncio", "3.11.9", {"gradio_client": "1.13.1", "websockets": "12.0"}, True),
    ("gradio-client-1-13-1-websockets-asyncio", "3.11.9", {"gradio_client": "1.13.2", "websockets": "12.0"}, False),
]


@pytest.mark.parametrize(("rule", "python", "versions", "fires"), CASES, ids=lambda v: str(v)[:40])
def test_a_rule_fires_inside_its_boundaries_only(rule: str, python: str, versions: dict[str, str], fires: bool) -> None:
    assert (rule in fired(python, **versions)) is fires


def test_every_researched_rule_has_a_case_on_each_side() -> None:
    covered = {rule for rule, *_ in CASES}
    for rule in covered:
        outcomes = {fires for r, _, _, fires in CASES if r == rule}
        assert outcomes == {True, False}, rule
