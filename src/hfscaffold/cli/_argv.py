"""The command line's own words, read without click: the global flags and where a command
hfscaffold runs begins. The entry point needs them before it knows whether click is needed."""

from __future__ import annotations

# (flags, help) of each global option, for the group and for every command's help.
GLOBAL_OPTIONS: tuple[tuple[str, str], ...] = (
    ("-q, --quiet", "Print only results and errors: no progress, no summary lines."),
    ("-v, --verbose", "Show each uv, git and Python call hfscaffold makes, with its time and uv's own output."),
    ("--debug", "Show tracebacks and uv's full output on errors."),
)
GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "-vv", "--verbose", "--debug"})


def end_of_own_arguments(args: list[str]) -> int:
    """Where the arguments that belong to a command hfscaffold runs begin: after ``--``, or at
    the first argument after ``run`` that is not one of run's options (``run pytest -q``)."""
    end = args.index("--") if "--" in args else len(args)
    words = [i for i, a in enumerate(args[:end]) if not a.startswith("-")]
    if not words or args[words[0]] != "run":
        return end
    from hfscaffold.cli.run import RUN_OPTIONS_WITH_VALUE  # only a run command line needs it

    position = words[0] + 1
    while position < end and args[position].startswith("-"):
        position += 2 if args[position] in RUN_OPTIONS_WITH_VALUE else 1
    return min(position, end)


def hoist_global_flags(args: list[str]) -> list[str]:
    """Global flags may come before or after the command (``hfscaffold lock --debug``), as in uv;
    click takes a group's options before the command only, so they move to the front. Nothing
    that belongs to a command hfscaffold runs moves (after ``--``, or ``run``'s command)."""
    end = end_of_own_arguments(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    return [*flags, *(a for a in args[:end] if a not in GLOBAL_FLAGS), *args[end:]]
