"""The matrix as other tools read it: pip/uv constraints and Renovate packageRules.

A constraint file applies to every resolution it is given to, so it may only forbid what is bad
on its own: versions of one package that break whatever else is installed (a release without a
wheel for a Python, a vulnerable release). Such a rule is exported as the complement of its bad
range, with its Python and platform conditions as a marker. A combination (transformers 4.45 with
huggingface-hub 0.26) forbids nothing on its own: exported unconditionally, its fix would hold back
every project, so it is exported only ``for`` a given pin set, where the other half of the
combination is known to be present. What cannot be said exactly is left out and listed, never
approximated.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.specifiers import Specifier, SpecifierSet
from packaging.version import Version

from hfscaffold.knowledge import ABSENT, Rule, RuleSet
from hfscaffold.pins import PinSet

# The complement of one bad-range clause, as one clause (a range with two ends has none).
_COMPLEMENT = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!="}


@dataclass(frozen=True)
class Exported:
    """One constraint: package, specifier, marker, and the rules that ask for it."""

    name: str
    specifier: str
    marker: str = ""
    rules: tuple[str, ...] = ()


@dataclass
class Export:
    constraints: list[Exported] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # "rule: why", for the reader
    combinations: list[str] = field(default_factory=list)  # rules left out for want of a pin set


def _complement(bad: str) -> str | None:
    """The versions outside ``bad`` as one specifier set, when that exists."""
    clauses = list(SpecifierSet(bad))
    if len(clauses) == 1 and clauses[0].operator in _COMPLEMENT:
        clause = clauses[0]
        if clause.operator == "==" and clause.version.endswith(".*"):
            return f"!={clause.version}"
        return f"{_COMPLEMENT[clause.operator]}{clause.version}"
    return None


def _tightest(clauses: list[Specifier]) -> str:
    """Clauses joined, with only the highest lower bound and the lowest upper bound kept."""
    lower = [c for c in clauses if c.operator in (">=", ">")]
    upper = [c for c in clauses if c.operator in ("<=", "<")]
    kept = [c for c in clauses if c not in lower and c not in upper]
    if lower:
        kept.append(max(lower, key=lambda c: (Version(c.version), c.operator == ">")))
    if upper:
        kept.append(min(upper, key=lambda c: (Version(c.version), c.operator == "<=")))
    return str(SpecifierSet(",".join(str(c) for c in kept)))


def marker_of(rule: Rule) -> str:
    """The rule's Python and platform conditions as a PEP 508 marker ("" when it has none)."""
    parts = [f'python_full_version {s.operator} "{s.version}"' for s in SpecifierSet(rule.python or "")]
    if rule.platform:
        parts.append(f'sys_platform == "{rule.platform}"')
    return " and ".join(parts)


def _on_its_own(rule: Rule, export: Export) -> list[Exported]:
    """A rule about one package's own versions: the complement of its bad range."""
    ((name, bad),) = rule.when.items()
    allowed = _complement(bad)
    if allowed is None:
        export.left_out.append(f"{rule.id}: the good versions of {name} (not {bad}) are not one constraint")
        return []
    return [Exported(name, allowed, marker_of(rule), (rule.id,))]


def _for_pins(rule: Rule, pins: PinSet, export: Export) -> list[Exported]:
    """A combination: its fix, when the pins hold the rest of it (on the Pythons and platforms
    the rule names: its marker stays with the constraint)."""
    fixed = rule.fix.prefer
    for name, spec in rule.when.items():
        if name in fixed:
            continue
        present = pins.versions(name)
        if spec == ABSENT:
            if present:
                return []
        elif not any(SpecifierSet(spec).contains(v, prereleases=True) for v in present):
            return []
    return [Exported(name, spec, marker_of(rule), (rule.id,)) for name, spec in sorted(fixed.items())]


def export(rules: RuleSet | Iterable[Rule], pins: PinSet | None = None) -> Export:
    """What can be exported of ``rules``: rules about one package always, combinations only for
    ``pins`` (the pin set of a project, lock or requirements file)."""
    result = Export()
    merged: dict[tuple[str, str], list[Exported]] = {}
    for rule in rules:
        if len(rule.when) == 1 and set(rule.fix.prefer) <= set(rule.when) and ABSENT not in rule.when.values():
            found = _on_its_own(rule, result)
        elif pins is not None:
            found = _for_pins(rule, pins, result)
        else:
            result.combinations.append(rule.id)
            found = []
        for item in found:
            merged.setdefault((item.name, item.marker), []).append(item)
    for (name, marker), items in sorted(merged.items()):
        joined = _tightest([clause for item in items for clause in SpecifierSet(item.specifier)])
        rule_ids = tuple(sorted({r for item in items for r in item.rules}))
        result.constraints.append(Exported(name, str(joined), marker, rule_ids))
    return result


def as_constraints(result: Export, *, version: str, source: str | None) -> str:
    scope = f"for {source}" if source else "for any project"
    lines = [
        f"# hfscaffold compatibility matrix {version}: constraints {scope}",
        "# each forbids only versions known bad on their own"
        + (", or with the pins of that file" if source else "; combinations need --for FILE"),
        "# pip install -c this-file ... / uv pip install -c this-file ...",
    ]
    for item in result.constraints:
        marker = f"; {item.marker}" if item.marker else ""
        lines.append(f"{item.name}{item.specifier}{marker}  # {', '.join(item.rules)}")
    lines += [f"# left out: {why}" for why in result.left_out]
    if result.combinations:
        lines.append(f"# left out: {len(result.combinations)} combinations, which concern a pin set (--for FILE):")
        lines += textwrap.wrap(
            ", ".join(result.combinations), width=98, initial_indent="#   ", subsequent_indent="#   "
        )
    return "\n".join(lines) + "\n"


def as_renovate(result: Export, rules: RuleSet | Iterable[Rule]) -> str:
    """Renovate packageRules: Renovate has no markers, so a constraint for some Pythons or
    platforms only is left out (it would hold back every other one)."""
    known = {rule.id: rule for rule in rules}
    package_rules = []
    for item in result.constraints:
        if item.marker:
            continue
        first = known[item.rules[0]]
        package_rules.append({
            "description": f"hfscaffold {', '.join(item.rules)}: {first.summary} (see {first.references[0]})",
            "matchDatasources": ["pypi"],
            "matchPackageNames": [item.name],
            "allowedVersions": item.specifier,
        })  # fmt: skip
    return json.dumps({"packageRules": package_rules}, indent=2) + "\n"
