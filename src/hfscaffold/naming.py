"""Project names: a valid PEP 508 name that is not a path, and the import package derived from it."""

from __future__ import annotations

import keyword
import re

from packaging.utils import canonicalize_name

from hfscaffold.errors import UserError

_PEP508_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def validate_project_name(name: str, *, dependencies: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """Return ``name`` if it can name a project, else raise a UserError that says why."""
    if not name or name in {".", ".."} or any(sep in name for sep in ("/", "\\")) or name.startswith("~"):
        raise UserError(
            f"project name {name!r} is a path, not a name",
            hint="give a plain name and choose the folder with --dest, e.g. `hfscaffold new demo --dest ../work/demo`",
        )
    if not _PEP508_NAME.match(name):
        raise UserError(
            f"project name {name!r} is not a valid Python project name",
            hint="use letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        )
    if canonicalize_name(name) in dependencies:
        raise UserError(
            f"a project named {name!r} cannot depend on the package of the same name",
            hint=f"choose another name, e.g. {name}-project",
        )
    package_name(name)  # refuse names that give no importable package
    return name


def package_name(project_name: str) -> str:
    """``my-bert-project`` -> ``my_bert_project``: the import package under src/."""
    candidate = canonicalize_name(project_name).replace("-", "_")
    if not candidate.isidentifier() or keyword.iskeyword(candidate):
        raise UserError(
            f"project name {project_name!r} gives no importable package name ({candidate!r})",
            hint="start the name with a letter and avoid Python keywords",
        )
    return candidate
