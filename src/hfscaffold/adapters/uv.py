"""The uv binary from the ``uv`` PyPI package: argument lists in, results or ExternalError out."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from hfscaffold.adapters.process import run_process
from hfscaffold.errors import ExternalError, FindingsError, UserError

# typing's own TYPE_CHECKING costs the import of typing, which a no-op lock does without.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hfscaffold.project import Project

# What uv says when ``--locked`` finds uv.lock out of step with pyproject.toml.
_STALE_LOCK = "needs to be updated, but `--locked` was provided"

# Variables that would point uv at an environment other than the project's own.
_FOREIGN_ENVIRONMENT_VARIABLES = ("VIRTUAL_ENV", "CONDA_PREFIX", "UV_PROJECT_ENVIRONMENT")


def find_uv() -> str:
    """The uv binary shipped by the ``uv`` package (a dependency of hfscaffold)."""
    from uv import find_uv_bin  # imported here: tests and --help never need it

    return find_uv_bin()


def uv_version() -> str:
    """The version of the uv that hfscaffold runs (the ``uv`` package's, which ships the binary)."""
    from importlib.metadata import version

    return version("uv")


class UvResult:
    """What a uv call printed. (A plain class: dataclasses and typing.NamedTuple cost a no-op lock
    their imports, see cli/_fast.py.)"""

    __slots__ = ("args", "stderr", "stdout")

    def __init__(self, args: tuple[str, ...], stdout: str, stderr: str) -> None:
        self.args, self.stdout, self.stderr = args, stdout, stderr

    @property
    def resolved_count(self) -> int | None:
        """N from uv's ``Resolved N packages in ...`` line, if it printed one."""
        match = re.search(r"Resolved (\d+) packages?", self.stderr)
        return int(match.group(1)) if match else None


class Uv:
    """A small handle on the uv binary with the options every call shares (a plain class, as
    UvResult is)."""

    __slots__ = ("binary", "extra_env", "offline")

    def __init__(
        self, offline: bool = False, binary: str | None = None, extra_env: Mapping[str, str] | None = None
    ) -> None:
        self.offline = offline
        self.binary = binary if binary is not None else find_uv()
        self.extra_env: Mapping[str, str] = extra_env if extra_env is not None else {}

    def __repr__(self) -> str:
        return f"Uv(offline={self.offline!r}, binary={self.binary!r}, extra_env={dict(self.extra_env)!r})"

    def with_offline(self) -> Uv:
        """The same handle, restricted to uv's cache."""
        return Uv(offline=True, binary=self.binary, extra_env=self.extra_env)

    def lock(
        self, project: Path, *, python: str | None = None, check: bool = False, extra: Sequence[str] = ()
    ) -> UvResult:
        args = ["lock", "--project", str(project), *extra]
        if check:
            args.append("--check")
        if python:
            args += ["--python", python]
        return self.run(args, cwd=project, what="resolve the dependencies")

    def export_requirements(self, project: Path) -> str:
        """uv.lock as a requirements file (exact versions with their hashes), by uv's exporter."""
        args = ["export", "--project", str(project), "--frozen", "--format", "requirements-txt", "--no-emit-project"]
        return self.run(args, cwd=project, what="export the lock as requirements").stdout

    def is_stale(self, project: Path, *, python: str | None = None) -> bool:
        """Whether uv.lock is out of step with pyproject.toml (``uv lock --check``), asked on a
        copy of the project's own files: in the project, uv would run the interpreter of whatever
        .venv is there to learn its Python, and a cloned repository's .venv is a stranger's."""
        from hfscaffold.adapters.fs import copy_project_files, scratch_directory

        with scratch_directory(project) as scratch:
            copy_project_files(project, scratch)
            try:
                self.lock(scratch, check=True, python=python)
            except ExternalError as exc:
                if "needs to be updated" not in (exc.detail or ""):
                    raise  # not staleness: resolution or the network failed
                return True
        return False

    def relock(self, project: Path, *, python: str | None = None) -> UvResult:
        """Lock again after pins were made exact: uv's cache holds every version the first lock
        fetched, so try it offline first (several times faster) and go online only if needed."""
        try:
            return self.with_offline().lock(project, python=python)
        except ExternalError:
            return self.lock(project, python=python)

    def sync(self, project: Path, *, python: str | None = None, dry_run: bool = False) -> UvResult:
        args = ["sync", "--locked", "--project", str(project), *(["--dry-run"] if dry_run else [])]
        if python:
            args += ["--python", python]
        try:
            return self.run(args, cwd=project, what="build the project environment")
        except ExternalError as exc:
            if _STALE_LOCK in (exc.detail or ""):
                raise FindingsError(
                    f"{project / 'uv.lock'} is stale: pyproject.toml changed since it was locked; nothing was installed",
                    hint="run `hfscaffold lock`, review what moved, and rerun",
                    detail=exc.detail,
                ) from None
            raise

    def compile(self, requirements: Sequence[str], *, python: str, cwd: Path) -> dict[str, str]:
        """``uv pip compile`` for this platform: name -> version of the full resolution."""
        args = ["pip", "compile", "-", "--no-header", "--no-annotate", "--python", python, "--quiet"]
        result = self.run(args, cwd=cwd, what="resolve " + " ".join(requirements), stdin="\n".join(requirements))
        pins: dict[str, str] = {}
        for line in result.stdout.splitlines():
            if "==" in line and not line.startswith("#"):
                name, version = line.split(";")[0].strip().split("==", 1)
                pins[name.split("[")[0].lower()] = version.strip()
        return pins

    def compile_requirements(
        self, requirements: str, constraints: str, *, python_version: str, python_platform: str, cwd: Path
    ) -> str:
        """``uv pip compile`` of a requirements text for one target, every version pinned; no
        configuration file is read (the folder is a stranger's) and nothing is built (an sdist's
        build would run its code): what needs building fails the resolution with uv's reason."""
        (cwd / "requirements.in").write_text(requirements, encoding="utf-8")
        args = [
            "pip", "compile", "requirements.in", "--no-config", "--no-build", "--no-header", "--no-annotate",
            "--quiet", "--python-version", python_version, "--python-platform", python_platform,
        ]  # fmt: skip
        if constraints:
            (cwd / "constraints.txt").write_text(constraints, encoding="utf-8")
            args += ["--constraint", "constraints.txt"]
        return self.run(args, cwd=cwd, what="resolve the requirements").stdout

    def unpack(self, requirement: str, target: Path) -> None:
        """Install one distribution's wheel, alone, into the folder ``target`` (for reading its
        files, never for running them); nothing is built."""
        self.run(
            ["pip", "install", "--no-deps", "--no-build", "--no-config", "--quiet", "--target", str(target),
             "--python", sys.executable, requirement],
            cwd=target.parent, what=f"fetch {requirement}",
        )  # fmt: skip

    def create_venv(self, path: Path, *, python: str | None) -> Path:
        """``uv venv``; without ``python``, uv picks one as the project in ``path.parent`` asks."""
        args = ["venv", *(["--python", python] if python else []), "--quiet", str(path)]
        self.run(args, cwd=path.parent, what=f"create a venv at {path}")
        return path / "bin" / "python"

    def install(self, python: Path, requirements: Sequence[str]) -> UvResult:
        return self.run(
            ["pip", "install", "--python", str(python), "--quiet", *requirements],
            cwd=python.parent,
            what=f"install {len(requirements)} packages",
        )

    def find_python(self, request: str, *, cwd: Path) -> str:
        """The interpreter uv would use for ``request`` (e.g. ``3.12``) from ``cwd``, or a UserError."""
        try:
            # --system: never a virtual environment found in or above ``cwd`` (a folder's .venv is
            # a stranger's, and uv runs the interpreter it finds to ask its version).
            args = ["python", "find", "--no-project", "--system", request]
            result = self.run(args, cwd=cwd, what=f"find Python {request}")
        except ExternalError as exc:
            raise UserError(
                f"Python {request} is not installed",
                hint=f"install it (e.g. `uv python install {request}`), or pass --python with a version you have",
            ) from exc
        return result.stdout.strip()

    def run(self, args: Sequence[str], *, cwd: Path, what: str, stdin: str | None = None) -> UvResult:
        command = [self.binary, *args]
        if self.offline:
            command.append("--offline")
        try:
            completed = run_process(command, cwd=cwd, env=self._environment(), text=True, input=stdin)
        except OSError as exc:
            raise ExternalError(f"could not run uv to {what}: {exc}", hint="reinstall hfscaffold") from exc
        _show_output(completed.stderr)
        if completed.returncode != 0:
            raise ExternalError(
                f"uv could not {what}: {summarize_uv_error(completed.stderr)}",
                hint=_hint_for(completed.stderr, self.offline),
                detail=f"$ {' '.join(command)}\n{completed.stderr}",
            )
        return UvResult(tuple(command), completed.stdout, completed.stderr)

    def _environment(self) -> dict[str, str]:
        """The caller's environment, minus anything that would select a shared environment."""
        env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENVIRONMENT_VARIABLES}
        env.update(self.extra_env)
        env.setdefault("NO_COLOR", "1")
        return env


def _show_output(stderr: str) -> None:
    """uv's own report, under ``-v``: what it resolved, fetched, built and installed."""
    logging = sys.modules.get("logging")
    if logging is None:
        return  # no logger was set up (see adapters.process._log)
    logger = logging.getLogger("hfscaffold")
    if stderr.strip() and logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s", "\n".join(f"  uv: {line}" for line in stderr.rstrip().splitlines()))


_LABELS = ("error:", "cause:", "caused by:", "hint:", "help:", "warning:")


def _entries(stderr: str) -> list[tuple[str, str]]:
    """uv's stderr as (label, text) pairs; indented continuation lines join their entry."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", stderr)
    entries: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("×").strip()
        if not line:
            continue
        if line.startswith("╰─▶"):
            entries.append(("cause:", line.removeprefix("╰─▶").strip()))
            continue
        label = next((lab for lab in _LABELS if line.lower().startswith(lab)), None)
        if label:
            entries.append((label, line[len(label) :].strip()))
        elif entries and raw[:1].isspace():
            entries[-1] = (entries[-1][0], f"{entries[-1][1]} {line}")
        else:
            entries.append(("", line))
    return entries


def summarize_uv_error(stderr: str) -> str:
    """uv's reason in a sentence: the resolver's explanation, or the error and its root cause."""
    entries = _entries(stderr)
    errors = [text for label, text in entries if label == "error:"]
    causes = [text for label, text in entries if label in ("cause:", "caused by:")]
    if errors and errors[0].lower().startswith("no solution found") and causes:
        return " ".join(causes)
    if errors:
        return ": ".join([errors[0], *causes[-1:]])
    plain = [text for label, text in entries if label in ("", "cause:")]
    return plain[-1] if plain else "uv failed without a message"


def _hint_for(stderr: str, offline: bool) -> str:
    lowered = stderr.lower()
    if offline and any(s in lowered for s in ("offline", "network was disabled", "not found in the cache")):
        return "the packages are not in uv's cache yet; run once without --offline"
    if any(s in lowered for s in ("failed to fetch", "dns error", "connect", "timed out", "network")):
        hint = "check your connection to the package index"
        return hint if offline else f"{hint}, or pass --offline to use uv's cache"
    if "no interpreter found" in lowered or "no python" in lowered:
        return "install that Python version, or pass --python with one you have"
    if "unsatisfiable" in lowered or "no solution found" in lowered:
        return "loosen or change the versions that conflict (--with, or the pins in pyproject.toml)"
    return "rerun with --debug for uv's full output"


def running_python() -> str:
    """The interpreter running hfscaffold: the default for a new project's Python."""
    return sys.executable


def running_python_fits(project: Project) -> str | None:
    """The interpreter running hfscaffold, when the project accepts it (requires-python and
    .python-version): given to uv, it needs no search of PATH (which may not have one, and where
    a pyenv shim costs uv half a second)."""
    import platform  # on first use: it costs more than most of what a lock imports

    version = platform.python_version()
    if project.requires_python is not None and not project.requires_python.contains(version, prereleases=True):
        return None
    pinned = project.root / ".python-version"
    if pinned.is_file() and not pinned.is_symlink():
        wanted = (pinned.read_text(encoding="utf-8", errors="replace").split() or [""])[0]
        if not (version == wanted or version.startswith(f"{wanted}.")):
            return None
    return sys.executable
