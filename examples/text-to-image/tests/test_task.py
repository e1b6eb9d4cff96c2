"""The task code, end to end, offline: a tiny Stable Diffusion pipeline built from configs (no Hub
download) and a few synthetic captioned images in a folder; training in one process and in two
(data parallel on the CPU, as on many GPUs), a checkpoint resumed, and images from the saved
pipeline."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from accelerate import Accelerator
from datasets import Dataset
from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from PIL import Image
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast

from text_to_image.predict import generate
from text_to_image.train import DataArguments, LoopArguments, main, parse_arguments, prepared, train

WORDS = ["<|startoftext|>", "<|endoftext|>", "<unk>", "a", "red", "blue", "square", "circle"]


def tiny_pipeline() -> StableDiffusionPipeline:
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16, norm_num_groups=4, attention_head_dim=2,
    )  # fmt: skip
    vae = AutoencoderKL(
        block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=4,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"), up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
    )  # fmt: skip
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(WORDS), hidden_size=16, intermediate_size=32, num_attention_heads=2, num_hidden_layers=1,
        max_position_embeddings=16, bos_token_id=0, eos_token_id=1, pad_token_id=1,
    ))  # fmt: skip
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="<unk>", pad_token="<|endoftext|>", bos_token="<|startoftext|>",
        eos_token="<|endoftext|>", model_max_length=8,
    )  # fmt: skip
    scheduler = DDIMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False, steps_offset=1
    )
    return StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )  # fmt: skip


CAPTIONS = ["a red square", "a blue circle", "a red circle", "a blue square"] * 2
EXAMPLES = len(CAPTIONS)


def images(n: int) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)) for _ in range(n)]


def predicted(folder: Path) -> list[Image.Image]:
    """An image per example's caption, from the pipeline saved in ``folder``."""
    return generate(CAPTIONS, StableDiffusionPipeline.from_pretrained(folder), steps=1, size=16)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """The tiny pipeline as a local folder: what --model_name_or_path reads."""
    folder = tmp_path / "tiny"
    tiny_pipeline().save_pretrained(folder)
    return folder


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    """--train_dir: the images with a metadata.jsonl of their captions; and the tiny resolution."""
    folder = tmp_path / "images"
    folder.mkdir()
    lines = []
    for index, (image, caption) in enumerate(zip(images(EXAMPLES), CAPTIONS)):
        image.save(folder / f"{index}.png")
        lines.append(json.dumps({"file_name": f"{index}.png", "text": caption}))
    (folder / "metadata.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--train_dir", str(folder), "--resolution", "16"]


def test_a_config_file_gives_the_fields_and_a_flag_overrides_one(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("model_name_or_path: some/model\nlearning_rate: 1.0e-4\nresolution: 32\n")
    model, data, training = parse_arguments([str(config), "--resolution", "16", "--output_dir", str(tmp_path)])
    assert model.model_name_or_path == "some/model" and training.learning_rate == 1e-4 and data.resolution == 16
    config.write_text("learning_rat: 1.0e-4\n")
    with pytest.raises(SystemExit):
        parse_arguments([str(config)])  # a misspelt field is refused, not ignored


def test_the_defaults_are_the_projects_config() -> None:
    model, data, loop = parse_arguments([])
    assert model.model_name_or_path == "stable-diffusion-v1-5/stable-diffusion-v1-5"
    assert data.dataset_name == "lambdalabs/naruto-blip-captions" and loop.output_dir == "outputs/pipeline"


def test_one_training_step_changes_the_unet_only(tmp_path: Path) -> None:
    pipeline = tiny_pipeline()
    unet_before = [p.detach().clone() for p in pipeline.unet.parameters()]
    vae_before = [p.detach().clone() for p in pipeline.vae.parameters()]
    data = prepared(Dataset.from_dict({"image": images(4), "text": CAPTIONS[:4]}), pipeline, DataArguments(resolution=16))
    loop = LoopArguments(output_dir=str(tmp_path), per_device_train_batch_size=2, max_steps=1)
    assert train(pipeline, data, loop, accelerator=Accelerator(cpu=True)) == 1
    assert any(not torch.equal(a, b) for a, b in zip(unet_before, pipeline.unet.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(vae_before, pipeline.vae.parameters()))


def test_generation_gives_an_image_per_prompt() -> None:
    images = generate(["a red square", "a blue circle"], tiny_pipeline(), steps=2, size=16)
    assert [image.size for image in images] == [(16, 16), (16, 16)]


def test_training_saves_safetensors_resumes_and_predicts(tiny: Path, files: list[str], tmp_path: Path, caplog) -> None:
    out = tmp_path / "out"
    args = [
        "--model_name_or_path", str(tiny), *files, "--output_dir", str(out), "--use_cpu",
        "--per_device_train_batch_size", "2",
    ]  # fmt: skip
    main([*args, "--max_steps", "1"])
    assert (out / "checkpoint-1/model.safetensors").is_file()
    caplog.set_level(logging.INFO)
    main([*args, "--max_steps", "2"])
    assert "resuming from" in caplog.text and "checkpoint-1" in caplog.text
    assert json.loads((out / "state.json").read_text())["global_step"] == 2
    assert (out / "unet/diffusion_pytorch_model.safetensors").is_file() and len(predicted(out)) == EXAMPLES


def test_two_processes_train_data_parallel_on_the_cpu(tiny: Path, files: list[str], tmp_path: Path) -> None:
    """torchrun with --use_cpu: two processes, gloo, world size 2, as accelerate runs many GPUs."""
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "text_to_image.train", "--use_cpu", "--model_name_or_path", str(tiny), *files,
        "--output_dir", str(out), "--num_train_epochs", "1", "--per_device_train_batch_size", "2",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "world size: 2" in run.stdout
    # EXAMPLES examples, two a step on each of two processes: an epoch is EXAMPLES / 4 steps
    # (twice as many on one process), so each process saw its own half of the data.
    assert json.loads((out / "state.json").read_text())["global_step"] == EXAMPLES // 4
    assert len(predicted(out)) == EXAMPLES


def test_the_accelerate_configs_load() -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    folder = Path(__file__).resolve().parents[1] / "configs" / "accelerate"
    found = {path.stem: load_config_from_file(str(path)).distributed_type.value for path in folder.glob("*.yaml")}
    assert found == {
        "cpu": "NO", "single-gpu": "NO", "multi-gpu": "MULTI_GPU", "fsdp": "FSDP",
        "deepspeed-zero2": "DEEPSPEED", "multi-node": "MULTI_GPU",
    }  # fmt: skip


def test_predict_reads_what_train_saved_by_default() -> None:
    from text_to_image.predict import parse_arguments as predict_arguments

    *_, training = parse_arguments([])
    assert predict_arguments(["a fox", "fox.png"]).model_name_or_path == training.output_dir

