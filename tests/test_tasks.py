"""Task presets: rendered code that trains and predicts for real."""

from __future__ import annotations

import os
import py_compile
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from expect import json_data

from hfscaffold import _toml
from hfscaffold.adapters import render
from hfscaffold.catalog import load_tasks


def _local_cpu_torch() -> Path | None:
    """A folder with a CPU build of torch 2.13.0 among pip's configured find-links, if any."""
    try:
        configured = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in configured.splitlines():
        key, _, value = line.partition("=")
        if key.endswith("find-links"):
            for folder in value.strip("'\"").split():
                if sorted(Path(folder).glob("torch-2.13.0+cpu-*.whl")):
                    return Path(folder)
    return None


LOCAL_CPU_TORCH = _local_cpu_torch()
TASKS = [t.id for t in load_tasks().tasks]
# Presets whose train module speaks the flags of transformers' example scripts.
FLAGS = (
    "text-classification",
    "token-classification",
    "question-answering",
    "summarization",
    "text-generation",
    "image-classification",
    "text-to-image",
)


def render_task(
    task: str, dest: Path, metrics: str = "evaluate", ui: str = "gradio", trainer: str = "transformers"
) -> Path:
    answers = {
        "project_name": "demo", "python_version": "3.11", "components": ["transformers"], "trainer": trainer,
        "imports": {"transformers": "transformers"}, "hfscaffold_version": "0", "task": task, "metrics": metrics, "ui": ui,
    }  # fmt: skip
    render.render(render.template_path("project"), dest, answers)
    return dest


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize(
    ("metrics", "ui", "trainer"),
    [
        ("local", "gradio", "transformers"),
        ("evaluate", "gradio", "transformers"),
        ("torchmetrics", "streamlit", "lightning"),
    ],
)
def test_every_preset_renders_code_that_compiles(
    task: str, metrics: str, ui: str, trainer: str, tmp_path: Path
) -> None:
    project = render_task(task, tmp_path / "demo", metrics, ui, trainer)
    sources = sorted((project / "src" / "demo").glob("*.py")) + sorted((project / "tests").glob("*.py"))
    for source in sources:
        py_compile.compile(str(source), doraise=True)
    names = {p.name for p in sources}
    flags = task in FLAGS  # speaks the HF example scripts' flags, whichever loop trains
    assert "test_task.py" in names and (project / ("config.yaml" if flags else "config.toml")).is_file()
    assert (project / "configs/slurm/train.sbatch").is_file() == flags
    assert (project / "configs/accelerate").is_dir() == (flags and trainer != "lightning")
    if task == "demo-app":
        app = (project / "src/demo/app.py").read_text()
        assert names >= {"app.py"} and "train.py" not in names
        assert ("import streamlit" in app) == (ui == "streamlit") and ("import gradio" in app) == (ui == "gradio")
    elif trainer == "lightning":
        train = (project / "src/demo/train.py").read_text()
        assert "class TrainingModule(lightning.LightningModule)" in train and "trainer.fit(" in train
        assert "HfArgumentParser((ModelArguments, DataArguments, LightningArguments))" in train
        assert "Trainer(" not in train.replace("lightning.Trainer(", "") and "accelerate" not in train
    else:
        assert names >= {"train.py", "predict.py"}
        assert re.search(
            r"accelerate launch (--config_file \S+ )?-m demo\.train", (project / "src/demo/train.py").read_text()
        )
    code = "".join(p.read_text() for p in sources)
    if "evaluate.load" in code or "from torchmetrics" in code:
        assert ("from torchmetrics" in code) == (metrics == "torchmetrics")


def test_the_text_classifier_runs_from_a_laptop_to_a_cluster(tmp_path: Path) -> None:
    """Its train module speaks the flags of transformers' example scripts, reads config.yaml,
    computes its metric offline, and comes with accelerate configs, a SLURM script and the
    README's ladder; Lightning keeps its own loop and config."""
    project = render_task("text-classification", tmp_path / "demo", metrics="local")
    train = (project / "src/demo/train.py").read_text()
    for part in ("HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))", "get_last_checkpoint",
                 '"push_to_hub": False', "world size: %d", "set_verbosity_info()"):  # fmt: skip
        assert part in train
    assert "import evaluate" not in train and "print(" not in train
    config = yaml.safe_load((project / "config.yaml").read_text())
    assert (
        config["model_name_or_path"] == "google-bert/bert-base-uncased" and config["dataset_name"] == "stanfordnlp/imdb"
    )
    assert config["push_to_hub"] is False and isinstance(config["learning_rate"], float)
    kinds = {
        path.stem: yaml.safe_load(path.read_text())["distributed_type"]
        for path in (project / "configs" / "accelerate").glob("*.yaml")
    }
    assert kinds == {
        "cpu": "NO", "single-gpu": "NO", "multi-gpu": "MULTI_GPU", "fsdp": "FSDP",
        "deepspeed-zero2": "DEEPSPEED", "multi-node": "MULTI_GPU",
    }  # fmt: skip
    sbatch = project / "configs" / "slurm" / "train.sbatch"
    assert subprocess.run(["bash", "-n", str(sbatch)], capture_output=True, check=False).returncode == 0
    assert '--machine_rank "$SLURM_NODEID"' in sbatch.read_text() and "-m demo.train" in sbatch.read_text()
    readme = (project / "README.md").read_text()
    for config_file in kinds:
        assert config_file == "cpu" or config_file == "multi-node" or f"configs/accelerate/{config_file}.yaml" in readme
    assert "torchrun --nproc_per_node 2 -m demo.train --use_cpu" in readme and "sbatch" in readme
    chosen = render_task("text-classification", tmp_path / "chosen", metrics="evaluate")
    assert 'evaluate.load("accuracy")' in (chosen / "src/demo/train.py").read_text()
    assert "downloads the metric from the Hub" in (chosen / "src/demo/train.py").read_text()
    lightning = render_task("text-classification", tmp_path / "lit", metrics="local", trainer="lightning")
    assert not (lightning / "configs/accelerate").exists() and not (lightning / "config.toml").exists()
    assert "import evaluate" not in (lightning / "src/demo/train.py").read_text()


@pytest.mark.parametrize("task", FLAGS)
def test_every_training_preset_has_a_lightning_variant_from_a_laptop_to_a_cluster(task: str, tmp_path: Path) -> None:
    """The same flags and config.yaml over Lightning's Trainer: its devices, strategies and
    precision, its checkpoints resumed, SLURM by srun, and the README's ladder in its terms."""
    assert load_tasks().get(task).lightning
    project = render_task(task, tmp_path / "demo", metrics="local", trainer="lightning")
    train = (project / "src/demo/train.py").read_text()
    for part in (
        "ModelCheckpoint(",
        "ckpt_path=last_checkpoint(",
        "world size: %d",
        'os.environ.get("LOCAL_WORLD_SIZE"',
    ):
        assert part in train
    config = yaml.safe_load((project / "config.yaml").read_text())
    fields = set(train[train.index("class LightningArguments") : train.index("def parse_arguments")].split())
    assert {f"{name}:" for name in config if name in {"strategy", "precision", "save_steps", "num_nodes"}} <= fields
    assert "devices" not in config  # a field in the file would override what torchrun started
    sbatch = project / "configs/slurm/train.sbatch"
    assert subprocess.run(["bash", "-n", str(sbatch)], capture_output=True, check=False).returncode == 0
    assert "srun .venv/bin/python -m demo.train" in sbatch.read_text() and "accelerate" not in sbatch.read_text()
    readme = (project / "README.md").read_text()
    assert "--strategy fsdp" in readme and "--strategy deepspeed_stage_2" in readme and "torchrun" in readme
    assert "configs/accelerate" not in readme
    tests = (project / "tests/test_task.py").read_text()
    assert "def test_two_processes_train_data_parallel_on_the_cpu" in tests and "checkpoint-1.ckpt" in tests


@pytest.mark.parametrize("task", FLAGS)
def test_presets_with_the_flags_need_no_evaluate(task: str, tmp_path: Path) -> None:
    assert "evaluate" not in load_tasks().get(task).components
    project = render_task(task, tmp_path / "demo", metrics="local")
    train = (project / "src/demo/train.py").read_text()
    assert re.search(
        r"HfArgumentParser\(\(ModelArguments, DataArguments, (Seq2SeqTraining|Training|Loop)Arguments\)\)", train
    )
    run = train[train.index("def main(") :]
    assert "evaluate.load" not in run and "import evaluate" not in train and "print(" not in train
    loop = task in ("image-classification", "text-to-image")  # accelerate's loop: its own checkpoints, never pushed
    assert ("accelerator.load_state" if loop else "trainer.train(resume_from_checkpoint") in train
    config = yaml.safe_load((project / "config.yaml").read_text())
    assert {"model_name_or_path", "dataset_name", "output_dir"} <= set(config)
    assert "push_to_hub" not in config if loop else config["push_to_hub"] is False
    tests = (project / "tests/test_task.py").read_text()
    assert "def test_two_processes_train_data_parallel_on_the_cpu" in tests and "--nproc_per_node" in tests


@pytest.mark.parametrize("task", FLAGS)
def test_predict_takes_the_model_by_flag_and_defaults_to_what_train_saved(task: str, tmp_path: Path) -> None:
    project = render_task(task, tmp_path / "demo", metrics="local")
    predict = (project / "src/demo/predict.py").read_text()
    config = yaml.safe_load((project / "config.yaml").read_text())
    assert f'"--model_name_or_path", default="{config["output_dir"]}"' in predict
    assert "MODEL_DIR" not in predict and "args[0]" not in predict
    assert "def test_predict_reads_what_train_saved_by_default" in (project / "tests/test_task.py").read_text()


def test_the_image_classifier_evaluates_on_the_models_device_without_a_download(tmp_path: Path) -> None:
    assert "evaluate" not in load_tasks().get("image-classification").components
    for metrics in ("local", "evaluate", "torchmetrics"):
        train = (
            render_task("image-classification", tmp_path / metrics, metrics=metrics) / "src/demo/train.py"
        ).read_text()
        accuracy = train[train.index("def accuracy(") : train.index("def main(")]
        assert 'batch["pixel_values"].to(device)' in accuracy and ("import evaluate" in accuracy) == (
            metrics == "evaluate"
        )


@pytest.mark.parametrize("ui", ["gradio", "streamlit"])
def test_the_demo_stays_on_the_machine_and_is_tested_as_a_page(ui: str, tmp_path: Path) -> None:
    """Analytics off and no web fonts (gradio), usage statistics off (streamlit); its tests start
    the app and use the page in headless Chromium with playwright, pinned in the dev group."""
    project = render_task("demo-app", tmp_path / "demo", ui=ui)
    app = (project / "src/demo/app.py").read_text()
    if ui == "gradio":
        assert "analytics_enabled=False" in app and "theme=THEME" in app and "GoogleFont" not in app
        assert not (project / ".streamlit").exists()
    else:
        settings = _toml.loads((project / ".streamlit/config.toml").read_text())
        assert settings["browser"]["gatherUsageStats"] is False and settings["server"]["headless"] is True
    tests = (project / "tests/test_task.py").read_text()
    assert "sync_playwright" in tests and "def test_the_page_classifies_a_text_and_asks_no_other_host" in tests
    assert "executable_path=CHROMIUM" in tests and "elsewhere == []" in tests
    dev = _toml.loads((project / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    assert dev == ["pytest", "playwright"]
    trainer = render_task("text-classification", tmp_path / "trainer", metrics="local")
    assert _toml.loads((trainer / "pyproject.toml").read_text())["dependency-groups"]["dev"] == ["pytest"]


def test_without_a_task_no_task_code_is_rendered(tmp_path: Path) -> None:
    project = render_task("", tmp_path / "plain")
    assert not (project / "config.toml").exists() and not (project / "src/demo/train.py").exists()
    assert not (project / "_tasks").exists()


def test_unknown_task_and_python_310_are_refused(run_cli, tmp_path: Path) -> None:
    result = run_cli("new", "x", "--task", "text-clasification", "--dest", str(tmp_path / "x"))
    assert result.exit_code == 2 and "did you mean 'text-classification'?" in result.stderr
    result = run_cli("new", "x", "--task", "text-classification", "--python", "3.10", "--dest", str(tmp_path / "x"))
    assert result.exit_code == 2 and "task presets need Python 3.11" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_task_of_the_issue_has_a_preset() -> None:
    assert set(TASKS) == {
        "text-classification", "token-classification", "question-answering", "summarization",
        "text-generation", "image-classification", "text-to-image", "demo-app",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "expected", "left_out"), [((), "gradio", "streamlit"), (("streamlit",), "streamlit", "gradio")]
)
def test_the_demo_uses_streamlit_when_chosen(extra: tuple[str, ...], expected: str, left_out: str) -> None:
    from hfscaffold.catalog import choose

    names = [c.name for c in choose(list(extra), task=load_tasks().get("demo-app"))]
    assert expected in names and left_out not in names


def test_lightning_is_offered_where_a_preset_has_it(run_cli, tmp_path: Path) -> None:
    from hfscaffold.catalog import load_tasks

    assert [t.id for t in load_tasks().tasks if not t.lightning] == ["demo-app"]
    result = run_cli("new", "x", "--task", "demo-app", "--with", "lightning", "--dest", str(tmp_path / "x"))
    assert result.exit_code == 2 and "the demo-app preset has no Lightning variant" in result.stderr


def test_components_lists_the_tasks(run_cli) -> None:

    data = json_data(run_cli("components", "--format", "json").stdout)
    assert [t["id"] for t in data["tasks"]] == TASKS
    text_classification = next(t for t in data["tasks"] if t["id"] == "text-classification")
    assert {"transformers", "datasets", "accelerate", "safetensors"} <= set(text_classification["components"])


@pytest.mark.network
@pytest.mark.skipif(
    LOCAL_CPU_TORCH is None,
    reason="no CPU build of torch 2.13.0 in pip's find-links; PyPI's CUDA build is too heavy here",
)
@pytest.mark.parametrize("extra", ["", ",lightning"], ids=["trainer", "lightning"])
def test_text_classification_project_trains_and_predicts_in_its_own_environment(
    extra: str, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`new demo --task text-classification`: its own tests pass in its own environment on CPU."""
    for key in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_CACHE_DIR", "VIRTUAL_ENV"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("UV_FIND_LINKS", str(LOCAL_CPU_TORCH))  # this machine's CPU build of torch serves the lock
    monkeypatch.chdir(tmp_path)
    result = run_cli("new", "demo", "--task", "text-classification", "--with", f"torch==2.13.0{extra}")
    assert result.exit_code == 0, result.stderr
    assert f"Imported {7 if extra else 6} components" in result.stderr
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    hfscaffold = [sys.executable, "-m", "hfscaffold", "run"]  # the README's command, as a user runs it
    tests = subprocess.run(
        [*hfscaffold, "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path / "demo",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert f"{14 if extra else 15} passed" in tests.stdout
    # Outside pytest (no pythonpath of its own) and outside the project folder, the project's
    # package imports: it is installed in the environment.
    modules = subprocess.run(
        [
            *hfscaffold,
            "--project",
            str(tmp_path / "demo"),
            "python",
            "-c",
            "import demo.train, demo.predict; print('ok')",
        ],
        cwd=tmp_path.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert modules.returncode == 0 and modules.stdout.strip() == "ok", modules.stderr[-3000:]
