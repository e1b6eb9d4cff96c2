"""The task code, end to end, offline: a tiny Stable Diffusion pipeline built from configs (no Hub
download), a few synthetic captioned images, one training step, one generation, and a safetensors
round trip."""

from __future__ import annotations

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
from text_to_image.train import load_config, prepared, train

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


@pytest.fixture
def settings() -> dict:
    settings = load_config()
    settings["data"]["resolution"] = 16
    settings["train"]["batch_size"] = 2
    return settings


def examples() -> Dataset:
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)) for _ in range(4)]
    return Dataset.from_dict({"image": images, "text": ["a red square", "a blue circle", "a red circle", "a blue square"]})


def test_one_training_step_changes_the_unet_only(settings) -> None:
    pipeline = tiny_pipeline()
    unet_before = [p.detach().clone() for p in pipeline.unet.parameters()]
    vae_before = [p.detach().clone() for p in pipeline.vae.parameters()]
    losses = train(pipeline, prepared(examples(), pipeline, settings["data"]), settings, accelerator=Accelerator(cpu=True), max_steps=1)
    assert len(losses) == 1 and np.isfinite(losses[0])
    assert any(not torch.equal(a, b) for a, b in zip(unet_before, pipeline.unet.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(vae_before, pipeline.vae.parameters()))


def test_generation_gives_an_image_per_prompt() -> None:
    images = generate(["a red square", "a blue circle"], tiny_pipeline(), steps=2, size=16)
    assert [image.size for image in images] == [(16, 16), (16, 16)]


def test_safetensors_round_trip(tmp_path: Path) -> None:
    pipeline = tiny_pipeline()
    pipeline.save_pretrained(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "unet" / "diffusion_pytorch_model.safetensors").is_file()
    reloaded = StableDiffusionPipeline.from_pretrained(tmp_path / "pipeline")
    first = np.asarray(generate(["a red square"], pipeline, steps=2, size=16)[0])
    second = np.asarray(generate(["a red square"], reloaded, steps=2, size=16)[0])
    assert np.array_equal(first, second)

