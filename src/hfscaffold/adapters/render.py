"""Rendering the bundled Copier templates. Copier is imported lazily: it costs ~0.6 s."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from hfscaffold.errors import ExternalError, UserError


def template_path(name: str = "project") -> Path:
    """The bundled template ``name``: inside the installed package, or templates/ in a checkout."""
    packaged = Path(str(resources.files("hfscaffold"))) / "templates" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "templates" / name
    if checkout.is_dir():
        return checkout
    raise ExternalError(f"the bundled template {name!r} is missing", hint="reinstall hfscaffold")


def render(template: Path | str, dest: Path, answers: Mapping[str, Any], *, trust: bool = False) -> None:
    """Render ``template`` into ``dest`` with ``answers``, without prompts.

    Copier tasks and Jinja extensions run code on the user's machine: they run only for a
    template the user ``trust``s.
    """
    import copier  # lazy: keeps --help and check fast

    try:
        copier.run_copy(
            str(template),
            str(dest),
            data=dict(answers),
            defaults=True,
            overwrite=True,
            unsafe=trust,
            quiet=True,
            skip_tasks=False,  # with unsafe=False, Copier refuses a template with tasks rather than skip them
        )
    except copier.errors.UnsafeTemplateError as exc:
        raise UserError(
            f"the template {template} runs code (Copier tasks, migrations or Jinja extensions): refused: {exc}",
            hint="read the template first; pass --trust to let it run",
        ) from None
    except copier.errors.CopierError as exc:
        raise ExternalError(f"copier could not render the template: {exc}") from exc
