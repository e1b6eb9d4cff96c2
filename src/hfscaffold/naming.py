"""Names: a distribution's as PEP 503 compares it, a plain ``name==version`` pin, and a project's
(a valid PEP 508 name that is not a path) with the import package derived from it."""

from __future__ import annotations

import keyword
import re
import sys

from hfscaffold.errors import UserError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packaging.version import Version

_SEPARATORS = re.compile(r"[-_.]+")
_PLAIN_PIN = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*==\s*([0-9][A-Za-z0-9.!+_-]*)")
_PEP508_NAME = r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$"  # compiled on use: only `new` asks
_LONGEST = 100
# Folder names Windows cannot create, whatever follows a dot (CON, con.txt, LPT1...).
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
# Import names a project package would shadow: the standard library's, and the test folders'.
_SHADOWED = {*sys.stdlib_module_names, "test", "tests"}


def canonical_name(name: str) -> str:
    """A distribution name as PEP 503 compares it (``Foo.Bar_baz`` -> ``foo-bar-baz``).

    The same normalization as ``packaging.utils.canonicalize_name``, written here because
    importing ``packaging.utils`` brings in ``packaging.tags`` (logging, subprocess, ELF readers):
    a quarter of what a ``check`` of a pin file costs at start-up.
    """
    lowered = name.lower()
    if "_" not in lowered and "." not in lowered and "--" not in lowered:
        return lowered  # nothing to join: most names, and no regular expression to run
    return _SEPARATORS.sub("-", lowered)


def plain_pin(text: str) -> tuple[str, str, Version] | None:
    """``(name, text as packaging writes it, version)`` for a requirement that is only
    ``name==version``, read without packaging's requirement parser (its import costs more than
    reading a hundred pins); None for anything else, which that parser is then asked about. What
    it accepts, the parser accepts and reads the same way (tests/test_pins.py)."""
    match = _PLAIN_PIN.fullmatch(text)
    if match is None:
        return None
    from packaging.version import InvalidVersion, Version

    try:
        version = Version(match.group(2))
    except (InvalidVersion, ValueError):
        return None  # packaging's parser gives the message
    return match.group(1), f"{match.group(1)}=={match.group(2)}", version


def validate_project_name(name: str, *, dependencies: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """Return ``name`` if it can name a project, else raise a UserError that says why."""
    if not name or name in {".", ".."} or any(sep in name for sep in ("/", "\\")) or name.startswith("~"):
        raise UserError(
            f"project name {name!r} is a path, not a name",
            hint="give a plain name and choose the folder with --dest, e.g. `hfscaffold new demo --dest ../work/demo`",
        )
    if len(name) > _LONGEST:
        raise UserError(
            f"project name {name[:40]!r}... is {len(name)} characters long", hint=f"use at most {_LONGEST} characters"
        )
    if not re.match(_PEP508_NAME, name, re.IGNORECASE):
        raise UserError(
            f"project name {name!r} is not a valid Python project name",
            hint="use letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        )
    if name.split(".")[0].lower() in _WINDOWS_RESERVED:
        raise UserError(
            f"project name {name!r} is a reserved device name on Windows",
            hint=f"choose another name, e.g. {name}-project",
        )
    if canonical_name(name) in dependencies:
        raise UserError(
            f"a project named {name!r} cannot depend on the package of the same name",
            hint=f"choose another name, e.g. {name}-project",
        )
    package = package_name(name)  # refuse names that give no importable package
    if package in _SHADOWED:
        raise UserError(
            f"project name {name!r} gives the package {package!r}, which would shadow Python's own {package} module",
            hint=f"choose another name, e.g. {name}-project",
        )
    return name


def package_name(project_name: str) -> str:
    """``my-bert-project`` -> ``my_bert_project``: the import package under src/."""
    candidate = canonical_name(project_name).replace("-", "_")
    if not candidate.isidentifier() or keyword.iskeyword(candidate):
        raise UserError(
            f"project name {project_name!r} gives no importable package name ({candidate!r})",
            hint="start the name with a letter and avoid Python keywords",
        )
    return candidate
