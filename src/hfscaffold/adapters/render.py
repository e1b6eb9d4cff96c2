"""Rendering the bundled Copier templates. Copier is imported lazily: it costs ~0.6 s."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from hfscaffold.adapters.fs import link_escape, real
from hfscaffold.errors import ExternalError, UserError

# What a template may never ship: hfscaffold builds environments and keeps its own records.
_NEVER_RENDERED = (".venv", ".hfscaffold-journal.json", ".hfscaffold.lock")


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
    import jinja2

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
    except (copier.errors.CopierError, jinja2.TemplateError) as exc:
        # The template is the input here: a template that breaks its own rules is bad input.
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise UserError(
            f"the template {template} could not be rendered: {reason}", hint="fix the template, or use another"
        ) from None
    except OSError:
        raise  # the machine's failure (a full disk...), not the template's
    except Exception as exc:  # noqa: BLE001 - whatever a hostile template makes Copier raise is bad input
        reason = " ".join(str(exc).split())[:300]
        raise UserError(
            f"the template {template} could not be rendered: {reason}", hint="fix the template, or use another"
        ) from None


def update(project: Path, data: Mapping[str, Any], *, answers_file: str, to_ref: str | None) -> None:
    """Copier's update of ``project`` to the template version ``to_ref`` (None: the template's
    newest tag): a three-way merge with conflicts shown inline. No template code runs (tasks and
    migrations are skipped)."""
    import copier  # lazy: only update renders

    try:
        copier.run_update(
            str(project), data=dict(data), answers_file=answers_file, vcs_ref=to_ref, defaults=True, overwrite=True,
            skip_answered=True, conflict="inline", unsafe=False, quiet=True, skip_tasks=True,
        )  # fmt: skip
    except copier.errors.CopierError as exc:
        reason = " ".join(str(exc).split())[:300]
        raise UserError(
            f"copier could not update the project: {reason}", hint="see `git status` in the project"
        ) from None


def check_rendered(folder: Path) -> None:
    """Refuse a rendered project that holds a link leading outside it (or nowhere), or files that
    only hfscaffold makes (an environment, its journal): writes must never go through them."""
    root = real(folder)
    for name in _NEVER_RENDERED:
        if os.path.lexists(folder / name):
            raise UserError(
                f"the template ships {name}: refused (environments and hfscaffold's own files are never taken from a template)",
                hint=f"remove {name} from the template",
            )
    for directory, subfolders, files in os.walk(folder):
        for entry in (*subfolders, *files):
            path = Path(directory) / entry
            if path.is_symlink():
                escape = link_escape(path, root)
                if escape is not None:
                    raise UserError(
                        f"the template makes {path.relative_to(folder)} a link to {escape}, outside the project: refused",
                        hint="a template's links must point inside the project it makes",
                    )


ANSWERS = ".copier-answers.yml"
_ANSWERS_LIMIT = 1024 * 1024
_URL = ("https://", "http://", "git://", "ssh://", "git+", "git@", "gh:", "gl:", "file://")


def is_url(source: str) -> bool:
    return source.startswith(_URL)


def source_to_record(template: str, dest: Path) -> str:
    """How a project records its template, as Copier does: a URL as given; a local folder
    relative to the project (``../templates/ours``), so the record holds wherever both move."""
    if is_url(template):
        return template
    return os.path.relpath(Path(template).absolute(), dest)


def record_source(folder: Path, template: str, dest: Path) -> None:
    """Record a user's template in ``folder``'s answers as its real source (a template copied
    from hfscaffold's own would name the bundled one), keeping the version Copier recorded."""
    import yaml  # type: ignore[import-untyped, unused-ignore]

    from hfscaffold.adapters.fs import write_atomic

    path = folder / ANSWERS
    if not path.is_file() or path.is_symlink():
        return  # the template keeps no answers: Copier cannot update it, and update says so
    answers = read_answers(path)
    answers["_src_path"] = source_to_record(template, dest)
    header = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
    write_atomic(path, header + yaml.safe_dump(answers, sort_keys=True, indent=4, default_flow_style=False))


def read_answers(path: Path) -> dict[str, Any]:
    """A project's recorded Copier answers: a mapping, or a UserError naming the file."""
    import yaml  # type: ignore[import-untyped, unused-ignore]

    if path.is_symlink() or not path.is_file():
        raise UserError(f"{path} is not a regular file", hint="restore it from version control")
    if path.stat().st_size > _ANSWERS_LIMIT:
        raise UserError(
            f"{path} is {path.stat().st_size} bytes: not a file of answers", hint="restore it from version control"
        )
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text", hint="restore it from version control") from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())[:200]
        raise UserError(f"{path}: not valid YAML: {reason}", hint="restore it from version control") from None
    except (RecursionError, ValueError):  # nested thousands deep, or numbers of thousands of digits
        raise UserError(
            f"{path} cannot be read: nested too deeply or numbers too long", hint="restore it from version control"
        ) from None
    if answers is None:
        return {}
    if not isinstance(answers, dict) or not all(isinstance(key, str) for key in answers):
        raise UserError(
            f"{path}: the answers are not a mapping of names to values", hint="restore it from version control"
        )
    return answers
