"""The project's Python as ``--python`` asks for it (a version, or an interpreter's path, as uv
takes it), and what uv is given to find an interpreter for it."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from hfscaffold.errors import UserError


@dataclass(frozen=True)
class PythonChoice:
    """The project's Python minor, and what uv is given to find an interpreter for it."""

    minor: str
    interpreter: str

    @classmethod
    def from_request(cls, requested: str | None) -> PythonChoice:
        """``--python`` as uv takes it: a version (``3.12``, ``3.12.4``) or an interpreter's path."""
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        if requested is not None and (os.sep in requested or requested.startswith(".")):
            return cls._from_interpreter(Path(requested))
        version = requested or running
        match = re.fullmatch(r"(3\.\d{1,2})(\.\d{1,3})?", version)
        if match is None:
            raise UserError(
                f"--python {version!r} is neither a Python version nor an interpreter's path",
                hint="use X.Y (e.g. --python 3.11), X.Y.Z, or the path of an interpreter",
            )
        minor = match.group(1)
        cls._check_minor(minor)
        # The running interpreter is known to exist; other versions are found by uv.
        return cls(minor=minor, interpreter=sys.executable if version == running else version)

    @classmethod
    def _from_interpreter(cls, path: Path) -> PythonChoice:
        from hfscaffold.adapters.environment import python_version  # runs the interpreter: only for a path

        if not path.is_file():
            raise UserError(f"--python {path}: no such interpreter", hint="give the path of a Python executable")
        version = python_version(path.absolute())
        if not re.fullmatch(r"3\.\d{1,2}\.\d+.*", version):
            raise UserError(f"--python {path} does not run as Python", hint="give the path of a Python executable")
        minor = ".".join(version.split(".")[:2])
        cls._check_minor(minor)
        return cls(minor=minor, interpreter=str(path.absolute()))

    @staticmethod
    def _check_minor(minor: str) -> None:
        if tuple(map(int, minor.split("."))) < (3, 10):
            raise UserError(f"--python {minor}: the HF stack needs Python 3.10 or newer", hint="use --python 3.11")


def interpreter_for(request: str) -> Path:
    """An interpreter as ``--python`` names it: a path as given, or a version (``3.12``) that uv
    finds among the installed interpreters (never a project's environment)."""
    if os.sep in request or request.startswith(".") or not re.fullmatch(r"3(\.\d{1,2}){0,2}", request):
        return Path(request)
    from hfscaffold.adapters.uv import Uv

    return Path(Uv().find_python(request, cwd=Path.cwd()))
