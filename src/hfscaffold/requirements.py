"""Requirements files as pip reads them: every line kind is read, or named as not evaluated.

A requirements file is a stranger's input: nothing it names is read from disk except the ``-r``
and ``-c`` files beside it (through an IncludeReader that keeps them inside the first file's
folder), and nothing it names is built. What a check can use comes out as lines of four kinds:
exact pins, other requirements (ranges, bare names), direct wheel URLs (their version is in the
file name) and the index options a resolution needs; the rest (VCS, local paths, sdists,
editables, options that only change how pip installs) is listed with the reason it is not
evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from packaging.version import InvalidVersion, Version

from hfscaffold.errors import UserError, quoted
from hfscaffold.naming import canonical_name, plain_pin

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# Reads the file an include line names: (its text, its name for messages, the reader for the
# includes inside it), or a UserError.
IncludeReader = Callable[[str, str], tuple[str, str, "IncludeReader"]]

_COMMENT = re.compile(r"(^|\s)#.*$")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S.*)$")
_OPTION = re.compile(r"^(-{1,2}[A-Za-z][\w-]*)(?:\s*=\s*|\s+)?(.*)$")
# `name==version` and nothing else, as pip freeze and pip-compile write most lines: read without
# packaging's requirement parser, whose import (markers, tags) costs more than the rest of a check.
_TRAILING_OPTIONS = re.compile(r"\s+--")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")  # a Windows path
_MAX_INCLUDE_DEPTH = 16
# Options that choose where packages come from: a resolution of the file honours them.
_INDEX_OPTIONS = {
    "-i": "--index-url", "--index-url": "--index-url", "--extra-index-url": "--extra-index-url",
    "-f": "--find-links", "--find-links": "--find-links", "--no-index": "--no-index", "--pre": "--prerelease=allow",
}  # fmt: skip
_FLAGS = {"--no-index", "--pre"}
# Options that only check what is downloaded, not which versions: read and set aside. Every
# other option is named as not evaluated.
_INSTALL_OPTIONS = {"--hash", "--require-hashes"}
_ARCHIVE = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")
_VCS = ("git+", "hg+", "svn+", "bzr+")

Kind = Literal["pin", "range", "wheel"]


@dataclass(frozen=True)
class Line:
    """One requirement of the file: where it stands, what it says, and what kind it is."""

    where: str  # file:line
    name: str  # canonical (PEP 503)
    text: str  # the requirement, as packaging reads it
    kind: Kind
    version: Version | None = None  # of a pin, or of a wheel (from its file name)
    parsed: Requirement | None = field(default=None, compare=False, repr=False)  # None: a plain pin

    @cached_property
    def requirement(self) -> Requirement:
        if self.parsed is not None:
            return self.parsed
        from packaging.requirements import Requirement

        return Requirement(self.text)

    @property
    def marker(self) -> str | None:
        if self.parsed is None:
            return None  # a plain pin has none
        return str(self.parsed.marker) if self.parsed.marker else None


@dataclass(frozen=True)
class NotEvaluated:
    where: str
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text} ({self.reason})"


@dataclass(frozen=True)
class RequirementsFile:
    source: str
    lines: tuple[Line, ...] = ()
    constraints: tuple[Line, ...] = ()
    index_options: tuple[str, ...] = ()  # as uv pip compile takes them
    not_evaluated: tuple[NotEvaluated, ...] = ()

    @property
    def exact(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.kind in ("pin", "wheel"))

    @property
    def unpinned(self) -> dict[str, str]:
        """Names the file requires without an exact version: name -> where."""
        exact = {line.name for line in self.exact}
        return {line.name: line.where for line in self.lines if line.kind == "range" and line.name not in exact}

    def resolution_input(self) -> tuple[str, str]:
        """(requirements, constraints) as text for uv pip compile: the index options and every
        requirement a resolution can use, nothing that names a local path."""
        requirements = [*self.index_options, *(line.text for line in self.lines)]
        constraints = [line.text for line in self.constraints if not (line.parsed and line.parsed.url)]
        return "\n".join(requirements) + "\n", "\n".join(constraints) + ("\n" if constraints else "")


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with comments removed and ``\\`` continuations joined, with their first line number."""
    logical: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = (_COMMENT.sub("", raw) if "#" in raw else raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append((start, pending + line))
        pending = ""
    if pending:
        logical.append((start, pending))
    return logical


def parse_requirements(
    text: str, *, source: str = "requirements.txt", include: IncludeReader | None = None
) -> RequirementsFile:
    """Every line of a requirements file (``-r`` and ``-c`` files followed through ``include``;
    without one, an include is refused rather than skipped)."""
    reader = _Reader()
    reader.read(text, source=source, include=include, depth=0, constraint=False)
    return RequirementsFile(
        source=source,
        lines=tuple(reader.lines),
        constraints=tuple(reader.constraints),
        index_options=tuple(dict.fromkeys(reader.index_options)),
        not_evaluated=tuple(reader.not_evaluated),
    )


class _Reader:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.constraints: list[Line] = []
        self.index_options: list[str] = []
        self.not_evaluated: list[NotEvaluated] = []

    def read(self, text: str, *, source: str, include: IncludeReader | None, depth: int, constraint: bool) -> None:
        for number, line in logical_lines(text):
            line = line.strip()
            if line:
                self._line(line, where=f"{source}:{number}", include=include, depth=depth, constraint=constraint)

    def _line(self, line: str, *, where: str, include: IncludeReader | None, depth: int, constraint: bool) -> None:
        included = _INCLUDE.match(line)
        if included:
            self._include(included.group(1), included.group(2).strip(), where, include, depth, constraint)
            return
        option = _OPTION.match(line) if line.startswith("-") else None
        if option:
            self._option(option.group(1), option.group(2).strip(), where)
            return
        text = _TRAILING_OPTIONS.split(line, maxsplit=1)[0] if "--" in line else line  # --hash=...
        if _names_a_file_or_url(text):
            self._direct(text, where, constraint)
            return
        plain = plain_pin(text)
        if plain is not None:
            self._add(Line(where, canonical_name(plain[0]), plain[1], "pin", plain[2]), constraint)
            return
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise UserError(
                f"{where}: cannot parse {quoted(text)}: {_reason(exc)}",
                hint="each line is a requirement (NAME, NAME==VERSION, NAME>=X, NAME @ URL) or a pip option",
            ) from None
        if requirement.url:
            self._direct(text, where, constraint, requirement=requirement)
            return
        name = canonical_name(requirement.name)
        self._add(Line(where, name, str(requirement), *_kind(requirement, where), parsed=requirement), constraint)

    def _add(self, line: Line, constraint: bool) -> None:
        (self.constraints if constraint else self.lines).append(line)

    def _include(
        self, flag: str, target: str, where: str, include: IncludeReader | None, depth: int, constraint: bool
    ) -> None:
        if include is None:
            raise UserError(
                f"{where}: cannot follow the include {quoted(target)} here", hint="pass the file's path instead"
            )
        if depth >= _MAX_INCLUDE_DEPTH:
            raise UserError(
                f"{where}: includes nested more than {_MAX_INCLUDE_DEPTH} deep",
                hint="look for a file that includes itself",
            )
        text, source, nested = include(target, where)
        as_constraint = constraint or flag in ("-c", "--constraint")
        self.read(text, source=source, include=nested, depth=depth + 1, constraint=as_constraint)

    def _option(self, flag: str, value: str, where: str) -> None:
        if flag in ("-e", "--editable"):
            self.not_evaluated.append(NotEvaluated(where, value, "an editable install, built from source"))
        elif flag in _INDEX_OPTIONS:
            if flag in _FLAGS:
                self.index_options.append(_INDEX_OPTIONS[flag])
            elif _scheme(value) in ("http", "https"):
                self.index_options.append(f"{_INDEX_OPTIONS[flag]} {value}")
            else:
                self.not_evaluated.append(NotEvaluated(where, f"{flag} {value}", "not an http(s) URL: never read"))
        elif flag not in _INSTALL_OPTIONS:
            self.not_evaluated.append(NotEvaluated(where, f"{flag} {value}".strip(), "an option check does not use"))

    def _direct(self, text: str, where: str, constraint: bool, *, requirement: Requirement | None = None) -> None:
        """A URL or a path: a wheel on the web is read (its file name gives name and version);
        anything to build or on this machine is named as not evaluated."""
        from urllib.parse import urlsplit  # on first use: most files name no URL

        url = requirement.url if requirement is not None and requirement.url else text.split(";")[0].strip()
        try:
            parts = urlsplit(url)
        except ValueError:  # a bracketed host that is no IP address ("a://x[y]")
            self.not_evaluated.append(NotEvaluated(where, text, "not a URL that can be read"))
            return
        file_name = parts.path.rsplit("/", 1)[-1]
        if url.startswith(_VCS):
            reason = "a VCS requirement, built from source"
        elif parts.scheme in ("http", "https") and file_name.endswith(".whl"):
            from packaging.requirements import Requirement
            from packaging.utils import InvalidWheelFilename, parse_wheel_filename

            try:
                name, version, _, _ = parse_wheel_filename(file_name)
            except (InvalidWheelFilename, InvalidVersion):
                reason = "a wheel URL whose file name is not a wheel's"
            else:
                wheel = requirement or Requirement(f"{name} @ {url}")
                line = Line(where, canonical_name(wheel.name), str(wheel), "wheel", Version(str(version)), parsed=wheel)
                self._add(line, constraint)
                return
        elif parts.scheme in ("http", "https") and file_name.endswith(_ARCHIVE):
            reason = "a source archive, built to learn its version"
        elif parts.scheme in ("http", "https"):
            reason = "a URL that is neither a wheel nor an archive"
        else:
            reason = "a local path: never read"
        self.not_evaluated.append(NotEvaluated(where, text, reason))


def _names_a_file_or_url(text: str) -> bool:
    first = text.split(";")[0].strip()
    return (
        "://" in first.split(" @ ")[0]
        or first.startswith((".", "/", "~", "\\", *_VCS))
        or first.endswith((".whl", *_ARCHIVE))
        or bool(_DRIVE.match(first))
    )


def _kind(requirement: Requirement, where: str) -> tuple[Kind, Version | None]:
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        try:
            return "pin", Version(specs[0].version)
        except (InvalidVersion, ValueError):  # ValueError: a release number of thousands of digits
            raise UserError(
                f"{where}: {quoted(specs[0].version)} is not a valid version", hint="fix or regenerate the file"
            ) from None
    return "range", None


def _reason(exc: Exception) -> str:
    """packaging's explanation without the copy of the input it quotes."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return first if len(first) <= 120 else first[:120] + "..."


def _scheme(url: str) -> str:
    """The scheme of ``url``; empty when it cannot be split (a bracketed host that is no IP)."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).scheme
    except ValueError:
        return ""
