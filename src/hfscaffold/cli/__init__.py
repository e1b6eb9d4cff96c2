"""The command line's entry point: the error boundary, the JSON envelope, and the table of
commands that the click group (cli/_app.py) lists without importing them.

``check``, the command of pre-commit hooks and CI, has a path without click (cli/_fast.py) for
the command lines it reads alike; every other command line, ``--help`` and every usage error
go through click.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import pairwise

from hfscaffold.cli._argv import end_of_own_arguments, hoist_global_flags
from hfscaffold.errors import ExitCode, HfscaffoldError

# name -> (the module in hfscaffold.cli that defines it, the command's function, the first
# paragraph of its help); a test keeps the table equal to the commands' own help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "add": ("edit", "add", "Add PKGs from the index, each pinned `==` the version uv resolves, and lock again."),
    "adopt": (
        "adopt",
        "adopt",
        "Make the project in FOLDER an hfscaffold project: exact pins, a uv lock, its own .venv.",
    ),
    "check": (
        "check",
        "check",
        "Check pins against the compatibility matrix: a project, uv.lock, pylock.toml or requirements.",
    ),
    "components": (
        "components",
        "components",
        "List the components hfscaffold knows (the HF stack and its companions).",
    ),
    "diff": ("upgrade", "diff_command", "Review the change between two pin sets (uv.lock, pylock.toml, requirements)."),
    "doctor": (
        "doctor",
        "doctor",
        "Check the project's environment: drift from the lock, stamp, Python, matrix, torch build.",
    ),
    "lock": ("lock", "lock", "Regenerate uv.lock from pyproject.toml, steered by the matrix, written atomically."),
    "matrix": ("matrix", "matrix", "The compatibility matrix: known-bad combinations of the HF stack, with evidence."),
    "new": ("new", "new", "Create project NAME with exact pins, a uv lock and its own environment."),
    "remove": ("edit", "remove", "Remove PKGs from the project's requirements, and lock again with the matrix."),
    "run": (
        "run",
        "run",
        "Run COMMAND in the project's own environment, synced from uv.lock first when needed.",
    ),
    "status": (
        "explain",
        "status",
        "One line per project: template lag, matrix findings, newer patch releases, lock age.",
    ),
    "sync": ("sync", "sync", "Build the project's own environment (.venv) exactly from uv.lock, and stamp it."),
    "update": ("update", "update", "Bring the project to the current template, keeping its answers and your edits."),
    "upgrade": ("upgrade", "upgrade", "Propose an upgrade of PACKAGEs (default: every pin) with a review report."),
    "why": (
        "explain",
        "why",
        "Explain why PACKAGE is at its version: who requires it, which matrix rule constrains it.",
    ),
}


_ERROR_LIMIT = 2000  # characters of one error line: input quoted in a message can be huge


def one_line(text: str, limit: int = _ERROR_LIMIT) -> str:
    """``text`` as one printable line of at most ``limit`` characters (and a count of the rest)."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if len(flat) <= limit:
        return flat
    return f"{flat[:limit]}... ({len(flat) - limit} more characters)"


def _os_error(exc: OSError) -> tuple[str, str, ExitCode]:
    """An operating-system failure in a sentence, a hint, and who can fix it."""
    where = f": {exc.filename}" if exc.filename else ""
    reason = f"{exc.strerror or exc}{where}"
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return reason, "free some disk space and rerun; the project's files are as they were", ExitCode.EXTERNAL
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            reason,
            "this needs to write there: check the folder's permissions, or choose another folder",
            ExitCode.BAD_INPUT,
        )
    if exc.errno == errno.ENAMETOOLONG:
        return reason, "use a shorter name or path", ExitCode.BAD_INPUT
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EISDIR, errno.ENOENT):
        return (
            reason,
            "a path is not what hfscaffold expects there: check for links and files in its place",
            ExitCode.BAD_INPUT,
        )
    return reason, "rerun with --debug for the traceback", ExitCode.EXTERNAL


def _command_name(args: list[str]) -> str:
    """The command the arguments name (``check``, ``matrix list``), for the JSON envelope."""
    words = [a for a in args if not a.startswith("-")]
    if not words or words[0] not in COMMANDS:
        return ""
    if words[0] == "matrix" and len(words) > 1:
        return f"matrix {words[1]}"
    return words[0]


def _wants_json(args: list[str]) -> bool:
    end = end_of_own_arguments(args)
    return "--format=json" in args[:end] or any(a == "--format" and b == "json" for a, b in pairwise(args[:end]))


def _say(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()


def _fail(message: str, hint: str | None, code: int, *, json_for: str | None = None) -> None:
    if json_for is not None:
        from hfscaffold.cli._envelope import envelope

        _say(envelope(json_for, code, error={"message": one_line(message), "hint": one_line(hint) if hint else None}))
    _say(f"error: {one_line(message)}", err=True)
    if hint:
        _say(f"hint: {one_line(hint)}", err=True)
    sys.exit(code)


@contextmanager
def _error_boundary(*, debug: bool, json_for: str | None) -> Iterator[None]:
    """Bad input and failures outside hfscaffold end in one line and a hint (and exit)."""
    try:
        yield
    except HfscaffoldError as exc:
        if debug:
            import traceback

            traceback.print_exc()
            if exc.detail:
                _say(exc.detail.rstrip(), err=True)
        _fail(exc.message, exc.hint, exc.exit_code, json_for=json_for)
    except KeyboardInterrupt:
        _say("Interrupted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except OSError as exc:
        if debug:
            raise
        message, hint, code = _os_error(exc)
        _fail(message, hint, code, json_for=json_for)
    except RecursionError:
        if debug:
            raise
        _fail(
            "the input is nested too deeply to read",
            "check the file for runaway nesting",
            ExitCode.BAD_INPUT,
            json_for=json_for,
        )


def _through_click(args: list[str], json_for: str | None) -> int:
    import click

    from hfscaffold.cli._app import cli

    try:
        code = cli.main(args=args, prog_name="hfscaffold", standalone_mode=False)
    except click.exceptions.Abort:
        _say("Aborted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "hfscaffold"
        hint = getattr(exc, "hint", None) or f"see `{command} --help`"
        _fail(exc.format_message(), hint, ExitCode.BAD_INPUT, json_for=json_for)
    except click.ClickException as exc:
        code = ExitCode.BAD_INPUT if exc.exit_code == 2 else exc.exit_code
        _fail(exc.format_message(), None, code, json_for=json_for)
    return code if isinstance(code, int) else ExitCode.OK


def main(argv: list[str] | None = None) -> None:
    """The command line (:func:`console` runs it as a process): the only place that exits, and
    the error boundary: bad input and
    failures outside hfscaffold end in one line and a hint, never a traceback (``--debug`` shows it).
    With ``--format json``, stdout holds one envelope, ``{"command", "exit_code", "data"}``, or
    ``"error"`` in place of ``"data"`` when the command failed."""
    from hfscaffold.cli import _envelope

    args = hoist_global_flags(list(argv if argv is not None else sys.argv[1:]))
    debug = "--debug" in args[: end_of_own_arguments(args)]
    name = _command_name(args)
    json_for = name if _wants_json(args) else None
    _envelope.take_json()  # nothing left from an earlier run in this process
    fast: Callable[[], int | None] | None = None
    if "check" in args or "lock" in args:  # the reader costs its imports: only where it may serve
        from hfscaffold.cli._fast import fast_command

        fast = fast_command(args)
    with _error_boundary(debug=debug, json_for=json_for):
        code = fast() if fast is not None else None
        if code is None:
            code = _through_click(args, json_for)
    for data in _envelope.take_json():
        _say(_envelope.envelope(name, code, data=data))
    sys.exit(code)


def console() -> None:
    """The console script and ``python -m hfscaffold``: :func:`main`, as the whole process."""
    try:
        main()
    finally:
        # What is left goes with the process: a last collection of it only costs time (four
        # fifths of the teardown of a lock that resolves, 16 ms here). Files are closed where
        # they are written and temporary folders removed by their own handlers (atexit still
        # runs), so no finalizer is waited for. Not in main itself: tests call it in-process.
        import gc

        gc.freeze()
