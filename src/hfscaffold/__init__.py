"""hfscaffold: start and upgrade Hugging Face projects with exact pins, reviewed upgrades and
one environment per project."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
