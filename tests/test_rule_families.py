"""Each researched rule at both sides of its boundaries (the versions its evidence checked in the
wheels), and on the Python versions it concerns."""

from __future__ import annotations

import pytest
from packaging.version import Version

from hfscaffold.evaluation import evaluate
from hfscaffold.matrix import builtin_rules
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
    ("datasets-python314-pickler-batch-setitems", "3.14.0", {"datasets": "4.3.0"}, True),
    ("datasets-python314-pickler-batch-setitems", "3.13.0", {"datasets": "4.3.0"}, False),
    ("datasets-python314-pickler-batch-setitems", "3.14.0", {"datasets": "4.4.0"}, False),
]


@pytest.mark.parametrize(("rule", "python", "versions", "fires"), CASES, ids=lambda v: str(v)[:40])
def test_a_rule_fires_inside_its_boundaries_only(rule: str, python: str, versions: dict[str, str], fires: bool) -> None:
    assert (rule in fired(python, **versions)) is fires


def test_every_researched_rule_has_a_case_on_each_side() -> None:
    covered = {rule for rule, *_ in CASES}
    for rule in covered:
        outcomes = {fires for r, _, _, fires in CASES if r == rule}
        assert outcomes == {True, False}, rule
