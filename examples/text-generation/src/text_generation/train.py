"""Fine-tune a causal language model with LoRA adapters (peft) and the Trainer.

    python -m text_generation.train [config.toml]            # one process (CPU or one GPU)
    accelerate launch -m text_generation.train [config.toml] # many GPUs or nodes

Distribution is accelerate's job: the Trainer runs on it, so no hand-written DDP is needed.
Only the adapter is trained and saved (adapter_model.safetensors), not the base model.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

from datasets import Dataset, load_dataset
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
)

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def with_lora(model: PreTrainedModel, lora: dict[str, Any]) -> PeftModel:
    """Wrap the base model so that only small low-rank adapters are trained."""
    config = LoraConfig(
        r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"],
        target_modules=lora["target_modules"], task_type="CAUSAL_LM",
    )  # fmt: skip
    return get_peft_model(model, config)


def load_base_model(settings: dict[str, Any]) -> PreTrainedModel:
    name = settings["model"]["name"]
    if settings["model"].get("load_in_4bit"):
        import torch
        from peft import prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig  # needs bitsandbytes and a CUDA GPU

        quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_quant_type="nf4")
        return prepare_model_for_kbit_training(AutoModelForCausalLM.from_pretrained(name, quantization_config=quantization))
    return AutoModelForCausalLM.from_pretrained(name)


def tokenize(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, data: dict[str, Any]) -> Dataset:
    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        return tokenizer(batch[data["text_column"]], truncation=True, max_length=data["max_length"])

    return dataset.map(encode, batched=True, remove_columns=dataset.column_names)


def build_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: Dataset,
    settings: dict[str, Any],
    **overrides: Any,
) -> Trainer:
    """The Trainer for an already tokenized dataset; ``overrides`` go to TrainingArguments."""
    train = settings["train"]
    arguments = TrainingArguments(
        output_dir=train["output_dir"],
        learning_rate=train["learning_rate"],
        per_device_train_batch_size=train["batch_size"],
        num_train_epochs=train["epochs"],
        seed=train["seed"],
        report_to=[],
        **overrides,
    )
    return Trainer(
        model=model,
        args=arguments,
        train_dataset=train_dataset,
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),  # labels = the inputs, shifted
        processing_class=tokenizer,
    )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    settings = load_config(Path(args[0]) if args else CONFIG)
    data = settings["data"]
    tokenizer = AutoTokenizer.from_pretrained(settings["model"]["name"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = with_lora(load_base_model(settings), settings["lora"])
    model.print_trainable_parameters()
    raw = load_dataset(data["dataset"], split=data["train_split"])
    trainer = build_trainer(model, tokenizer, tokenize(raw, tokenizer, data), settings)
    trainer.train()
    trainer.save_model()  # the adapter only: adapter_model.safetensors and adapter_config.json


if __name__ == "__main__":
    main()

