"""``hfscaffold check`` and a ``lock`` with nothing to do, without click: pre-commit and CI lines.

click costs more to import than a check of a lock costs to run, so the entry point hands the
plain command lines of ``check`` (a path, its flags, ``--rules``, ``--format``) to this reader,
and those of ``lock`` (``--project``, ``--offline``), which it answers only when the lock is
known to change nothing (operations/current_lock.py) and otherwise hands on to click.
Anything it does not read exactly as click would (``--help``, ``--env``, ``--opt=value``, an
unknown option, a bad choice, a second path) is left to click, so the help and every usage error
are click's own; what it does read runs the same operation and prints the same text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from hfscaffold.errors import ExitCode

_FLAGS = {"--no-resolve": "no_resolve", "--offline": "offline", "--fail-on-advisories": "fail_on_advisories"}
_WITH_VALUE = {
    "--format": "output_format",
    "--python-version": "python_version",
    "--python-platform": "python_platform",
}
_CHOICES = {"--format": ("text", "json"), "--python-platform": ("linux", "macos", "darwin", "windows")}
_GLOBAL = {"-q": "quiet", "--quiet": "quiet", "--debug": "debug"}


class _CheckLine:
    """The options of a plain ``check`` line, filled in as they are read. (Plain classes: on the
    way to a no-op lock, the imports of dataclasses and typing would be a fifth of hfscaffold's
    own time, so the modules on that way define neither dataclasses nor NamedTuples.)"""

    def __init__(self) -> None:
        self.target = "."
        self.rule_files: list[Path] = []
        self.output_format = "text"
        self.python_version: str | None = None
        self.python_platform: str | None = None
        self.no_resolve = False
        self.offline = False
        self.fail_on_advisories = False
        self.quiet = False
        self.debug = False


def read_check_line(args: list[str]) -> _CheckLine | None:
    """The options of a plain ``check`` command line (global flags hoisted in front), or None."""
    line = _CheckLine()
    rest = _after_command(args, "check", line)
    if rest is None:
        return None
    targets: list[str] = []
    while rest:
        word = rest.pop(0)
        if word in _FLAGS:
            setattr(line, _FLAGS[word], True)
        elif word in _WITH_VALUE or word == "--rules":
            if not rest or rest[0].startswith("-") or rest[0] not in _CHOICES.get(word, (rest[0],)):
                return None
            value = rest.pop(0)
            if word != "--rules":
                setattr(line, _WITH_VALUE[word], value)
            elif not _plain_rule_file(Path(value)):  # click's own error says what is wrong
                return None
            else:
                line.rule_files.append(Path(value))
        elif word == "-" or not word.startswith("-"):
            targets.append(word)
        else:
            return None  # --help, --env, --python, --deep, -v, --opt=value, or a typo: click says
    if len(targets) > 1:
        return None
    line.target = targets[0] if targets else "."
    return line


def _after_command(args: list[str], command: str, line: _CheckLine | _LockLine) -> list[str] | None:
    """The words after ``command``, the global flags in front of it set on ``line``; None when
    the command line is not ``command``'s."""
    position = 0
    while position < len(args) and args[position] in _GLOBAL:
        setattr(line, _GLOBAL[args[position]], True)
        position += 1
    if args[position : position + 1] != [command]:
        return None
    return args[position + 1 :]


def _plain_rule_file(path: Path) -> bool:
    """Whether click's ``Path(dir_okay=False)`` takes ``path`` as it is: not a folder, readable
    if it exists (a missing file is the operation's error, alike on both paths)."""
    try:
        return not path.exists() or (not path.is_dir() and os.access(path, os.R_OK))
    except OSError:  # a name too long, a folder that cannot be searched
        return False


class _LockLine:
    """The options of a plain ``lock`` line."""

    def __init__(self) -> None:
        self.project = "."
        self.offline = False
        self.quiet = False
        self.debug = False


def read_lock_line(args: list[str]) -> _LockLine | None:
    """The options of a plain ``lock`` command line (global flags hoisted in front), or None."""
    line = _LockLine()
    rest = _after_command(args, "lock", line)
    if rest is None:
        return None
    while rest:
        word = rest.pop(0)
        if word == "--offline":
            line.offline = True
        elif word == "--project" and rest and not rest[0].startswith("-"):
            line.project = rest.pop(0)
        else:
            return None  # --check, --dry-run, --rules, --format, --help, -v...: click reads them
    return line


def fast_command(args: list[str]) -> Callable[[], int | None] | None:
    """The command to run without click, or None when click is to read the command line. The
    command itself may still answer None: click is to run it after all."""
    check_line = read_check_line(args)
    if check_line is not None:
        return lambda: _check(check_line)
    lock_line = read_lock_line(args)
    if lock_line is not None:
        return lambda: _lock(lock_line)
    return None


def _lock(line: _LockLine) -> int | None:
    import time

    start = time.perf_counter()
    root = Path(line.project).absolute()
    if not root.is_dir():
        return None  # click's own error
    from hfscaffold.operations.current_lock import current_lock

    current = current_lock(root, offline=line.offline)
    if current is None:
        return None
    if not line.quiet:
        from hfscaffold.cli._text import locked_line, steered_line

        lines = [steered_line(rule_id, option) for rule_id, option in current.applied.items()]
        lines.append(locked_line(current.resolved, time.perf_counter() - start, ()))
        sys.stderr.write("".join(f"{text}\n" for text in lines))
        sys.stderr.flush()
    return ExitCode.OK


def _check(line: _CheckLine) -> int:
    from hfscaffold.operations.check import CheckRequest, check

    request = CheckRequest(
        target=line.target, rule_files=tuple(line.rule_files), fail_on_advisories=line.fail_on_advisories,
        python_version=line.python_version, python_platform=line.python_platform, resolve=not line.no_resolve,
        offline=line.offline,
    )  # fmt: skip
    result = check(request)
    if line.output_format == "json":
        from hfscaffold.cli._envelope import emit_json

        emit_json(result.as_json())
    else:
        from hfscaffold.cli._text import check_report

        for text in check_report(result, quiet=line.quiet):
            sys.stdout.write(f"{text}\n")
        sys.stdout.flush()
    return ExitCode.FINDINGS if result.failed else ExitCode.OK
