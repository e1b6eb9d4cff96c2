"""The matrix's knowledge as plain records, and the index that finds the rules about a pin set.

Loading knowledge is on the path of every ``check``, ``lock`` and ``doctor``, so this module is
pydantic-free: the schema in matrix.py validates a rule file once, and what it accepts becomes
the records here. A compiled rule set (``compile_rules``) keeps each rule as its own JSON text
beside an index of each package's rules and ranges: loading it parses the index, and a rule is
built only when a pin set's versions fall in its ranges, so the cost follows the pins checked,
not the knowledge size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from packaging.version import Version

from hfscaffold.errors import ExternalError, UserError, quoted
from hfscaffold.ranges import in_range, specifier_set

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from hfscaffold.pins import PinSet

ABSENT = "absent"
Severity = Literal["error", "warning"]
Kind = Literal["breakage", "advisory"]
COMPILED_FORMAT = 2  # of compile_rules' output: a change makes every cached index a miss


class DamagedIndex(ExternalError):
    """A compiled index that does not read back as it was written (changed or cut short since)."""

    def __init__(self, where: str, reason: object) -> None:
        super().__init__(
            f"the compiled knowledge {where} is damaged ({type(reason).__name__})",
            hint="remove it: the next run validates the rule file again and compiles it anew",
        )


@dataclass(frozen=True)
class Fix:
    """The constraint that avoids the bad combination, and another that also does."""

    prefer: dict[str, str]
    alternative: dict[str, str] = field(default_factory=dict)
    note: str = ""
    evidence: str = ""  # how it was shown that package metadata lets the bad combination through

    def options(self) -> list[dict[str, str]]:
        return [self.prefer, *([self.alternative] if self.alternative else [])]


@dataclass(frozen=True)
class Verified:
    """The result of `hfscaffold matrix verify`: the probe failed on ``bad`` and passed on ``fixed``."""

    bad: dict[str, str]
    fixed: dict[str, str]
    python: str
    on: str


@dataclass(frozen=True)
class Mined:
    """The mechanical evidence of a mined rule (matrix.MinedModel documents each kind)."""

    kind: Literal["import", "keyword", "undeclared", "wheels"] = "import"
    file: str = ""
    line: int = 0
    module: str = ""
    name: str = ""
    last_present: str = ""
    first_missing: str = ""
    allowed: str = ""
    requires: str = ""
    keyword: str = ""
    floor: bool = False


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A known-bad combination: ``when`` its packages' versions fall in these ranges (a package
    marked ABSENT must not be installed), on this Python and platform, ``symptom`` happens.
    The fields stand in the rule file's order (that of ``as_json``)."""

    id: str
    kind: Kind = "breakage"  # a breakage is repaired during resolution; an advisory is reported
    advisories: tuple[str, ...] = ()
    summary: str
    when: dict[str, str]
    python: str | None = None
    platform: str | None = None
    affects: str | None = None  # the API the breakage hits, when only its users meet it
    severity: Severity
    symptom: str
    fix: Fix
    probe: str
    references: tuple[str, ...]
    verified: Verified | None = None
    mined: Mined | None = None  # found in the wheels by `hfscaffold matrix mine`, not curated

    @cached_property
    def specifiers(self) -> dict[str, SpecifierSet | None]:
        """``when`` parsed: None marks a package that must be absent."""
        return {name: None if spec == ABSENT else specifier_set(spec) for name, spec in self.when.items()}

    @property
    def present(self) -> list[str]:
        """The packages the rule needs installed (at least one: the schema sees to it)."""
        return [name for name, spec in self.when.items() if spec != ABSENT]

    def concerns(self, pins: PinSet) -> bool | None:
        """Whether the target of ``pins`` meets the rule's platform and Python conditions: None
        when a condition names what the target leaves unknown."""
        unknown = False
        if self.platform:
            if pins.platform is None:
                unknown = True
            elif pins.platform != self.platform:
                return False
        if self.python:
            if pins.python is None:
                unknown = True
            elif not specifier_set(self.python).contains(pins.python, prereleases=True):
                return False
        return None if unknown else True

    def matches(self, pins: PinSet) -> dict[str, str] | None:
        """The offending versions if this rule's packages match ``pins`` (its platform and Python
        conditions aside: see ``concerns``), else None."""
        if self.concerns(pins) is False:
            return None
        offending: dict[str, str] = {}
        for name, specifier in self.specifiers.items():
            versions = pins.versions(name)
            if specifier is None:
                if versions:
                    return None
                continue
            matching = [v for v in versions if in_range(specifier, v)]
            if not matching:
                return None
            offending[name] = str(matching[-1])
        return offending

    def as_json(self) -> dict[str, object]:
        """Every field, as the rule file states it (tuples as lists)."""
        return json.loads(json.dumps(asdict(self)))  # type: ignore[no-any-return]


def rule_from_json(data: Mapping[str, object]) -> Rule:
    """A rule back from ``Rule.as_json`` (of a rule the schema accepted)."""
    fields = dict(data)
    fields["fix"] = Fix(**fields["fix"])  # type: ignore[arg-type]
    fields["references"] = tuple(fields["references"])  # type: ignore[arg-type]
    fields["advisories"] = tuple(fields.get("advisories", ()))  # type: ignore[arg-type]
    if fields.get("verified") is not None:
        fields["verified"] = Verified(**fields["verified"])  # type: ignore[arg-type]
    if fields.get("mined") is not None:
        fields["mined"] = Mined(**fields["mined"])  # type: ignore[arg-type]
    return Rule(**fields)  # type: ignore[arg-type]


class _Part:
    """The rules of one source (a rule file, the built-in knowledge), built on first use."""

    def __init__(
        self,
        ids: Sequence[str],
        names: Mapping[str, Sequence[Sequence[Any]]],
        build: Callable[[int], Rule],
        where: str = "",
    ) -> None:
        self.where = where  # the compiled index it was read from, if any
        self.ids = list(ids)
        # package -> (position, range) of each rule whose `when` needs it installed in that range
        self.names = names
        self._build = build
        self._built: dict[int, Rule] = {}

    @classmethod
    def of(cls, rules: Iterable[Rule]) -> _Part:
        rules = list(rules)
        return cls([r.id for r in rules], _names(rules), rules.__getitem__)

    def needed(self, position: int) -> int:
        """How many packages the rule at ``position`` needs installed."""
        return self.counts[position]

    @cached_property
    def counts(self) -> list[int]:
        counts = [0] * len(self.ids)
        for entries in self.names.values():
            for position, _ in entries:
                counts[position] += 1
        return counts

    @cached_property
    def positions(self) -> dict[str, int]:
        return {rule_id: position for position, rule_id in enumerate(self.ids)}

    def rule(self, position: int) -> Rule:
        built = self._built.get(position)
        if built is None:
            built = self._built[position] = self._build(position)
        return built


def _names(rules: Iterable[Rule]) -> dict[str, list[tuple[int, str]]]:
    names: dict[str, list[tuple[int, str]]] = {}
    for position, rule in enumerate(rules):
        for name in rule.present:
            names.setdefault(name, []).append((position, rule.when[name]))
    return names


def _passing(part: _Part, versions: Mapping[str, tuple[Version, ...]], *, every: bool) -> list[Rule]:
    matched: dict[int, int] = {}
    failed: set[int] = set()
    for name, pinned in versions.items():
        for position, spec in part.names.get(name, ()):
            if _in_any(spec, pinned):
                matched[position] = matched.get(position, 0) + 1
            else:
                failed.add(position)
    positions = sorted(p for p, count in matched.items() if p not in failed and (not every or count == part.needed(p)))
    return [part.rule(p) for p in positions]


@lru_cache(maxsize=1 << 16)  # bounded: an upgrade's many pin sets would grow it without end
def _in_any(spec: str, versions: tuple[Version, ...]) -> bool:
    specifier = specifier_set(spec)
    return any(in_range(specifier, version) for version in versions)


class RuleSet:
    """Rules from one or more sources, in order: ``about`` finds those a pin set can fire."""

    def __init__(self, parts: Sequence[_Part] = (), *, version: str = "unversioned") -> None:
        self._version = version
        self._parts = tuple(parts)

    @property
    def version(self) -> str:
        """Of the rule data; recorded in projects locked with it."""
        return self._version

    @classmethod
    def of(cls, rules: Iterable[Rule], *, version: str = "unversioned") -> RuleSet:
        return cls([_Part.of(rules)], version=version)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self)

    @cached_property
    def ids(self) -> list[str]:
        return [rule_id for part in self._parts for rule_id in part.ids]

    def __iter__(self) -> Iterator[Rule]:
        for part in self._parts:
            for position in range(len(part.ids)):
                yield part.rule(position)

    def __len__(self) -> int:
        return len(self.ids)

    def about(self, versions: Mapping[str, tuple[Version, ...]], *, every: bool = False) -> list[Rule]:
        """The rules that a pin set of these ``versions`` can leave undecided (a package of the
        rule pinned in its range, none pinned outside it), or with ``every`` those it can fire
        (every package the rule needs pinned in range), in the set's order. The ranges are
        checked from the index, so a rule is built only when it passes."""
        found: list[Rule] = []
        for part in self._parts:
            try:
                found.extend(_passing(part, versions, every=every))
            except (IndexError, KeyError, TypeError, ValueError) as exc:
                if not part.where:
                    raise
                raise DamagedIndex(part.where, exc) from None
        return found

    def get(self, rule_id: str) -> Rule:
        for part in self._parts:
            if rule_id in part.positions:
                return part.rule(part.positions[rule_id])
        import difflib

        close = difflib.get_close_matches(rule_id, self.ids, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "`hfscaffold matrix list` shows the rule ids"
        raise UserError(f"no rule {quoted(rule_id)}", hint=hint)

    def merged(self, other: RuleSet, *, source: str) -> RuleSet:
        """The rules of both, ``other``'s after these; a rule validated once stays validated."""
        clash = set(self.ids) & set(other.ids)
        if clash:
            raise UserError(
                f"{source}: rule ids {sorted(clash)} are already hfscaffold rules",
                hint="give your rules ids of their own",
            )
        return RuleSet((*self._parts, *other._parts), version=f"{self.version}+{Path(source).name}")


def compile_rules(rules: RuleSet) -> bytes:
    """The compact form of a validated rule set: one JSON line (format, version, ids, the
    package index and where each rule's JSON lies), then the rules' JSON, one after another."""
    bodies = [json.dumps(rule.as_json(), separators=(",", ":")).encode() for rule in rules]
    spans, start = [], 0
    for body in bodies:
        spans.append((start, start + len(body)))
        start += len(body)
    head = {
        "format": COMPILED_FORMAT, "version": rules.version, "ids": rules.ids, "names": _names(rules), "spans": spans,
    }  # fmt: skip
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + b"".join(bodies)


def load_compiled(data: bytes, where: str = "") -> RuleSet:
    """A rule set back from ``compile_rules``; ValueError when ``data`` is not one (a cache file
    cut short, or of another format). A rule that does not read back when it is built (the file
    ``where`` changed since) raises DamagedIndex."""
    newline = data.find(b"\n")
    if newline < 0:
        raise ValueError("no index line")
    head = json.loads(data[:newline])
    if not isinstance(head, dict) or head.get("format") != COMPILED_FORMAT:
        raise ValueError("another format")
    entries = next(iter(head["names"].values()), [[0, ""]])
    if not (isinstance(entries, list) and entries and len(entries[0]) == 2):
        raise ValueError("another index of names")
    spans, offset = head["spans"], newline + 1
    if len(spans) != len(head["ids"]) or (spans and offset + spans[-1][1] != len(data)):
        raise ValueError("the rules do not fill the file")

    def build(position: int) -> Rule:
        try:
            start, end = spans[position]
            return rule_from_json(json.loads(data[offset + start : offset + end]))
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            if not where:
                raise
            raise DamagedIndex(where, exc) from None

    return RuleSet([_Part(head["ids"], head["names"], build, where)], version=head["version"])


__all__ = [
    "ABSENT",
    "DamagedIndex",
    "Fix",
    "Mined",
    "Rule",
    "RuleSet",
    "Verified",
    "compile_rules",
    "load_compiled",
]
