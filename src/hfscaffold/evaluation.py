"""The matrix applied: which rules fire on a pin set, on which targets, and which it cannot decide."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from hfscaffold.knowledge import Rule, RuleSet, Severity
from hfscaffold.ranges import in_range
from hfscaffold.targets import describe

if TYPE_CHECKING:
    from hfscaffold.pins import PinSet
    from hfscaffold.targets import Target


@dataclass(frozen=True)
class Violation:
    rule: Rule
    packages: dict[str, str]
    # The targets it hits ("" for all of them, or the one target of the pins), and the severity
    # there: an error rule of one platform is a warning where the platform is unknown. None:
    # the rule's own severity.
    where: str = ""
    severity: Severity = None  # type: ignore[assignment]
    notes: tuple[str, ...] = ()  # what the reader should know of how it was found

    def __post_init__(self) -> None:
        if self.severity is None:
            object.__setattr__(self, "severity", self.rule.severity)

    def as_json(self) -> dict[str, object]:
        extra: dict[str, object] = {"advisories": list(self.rule.advisories)} if self.rule.kind == "advisory" else {}
        return {
            "rule": self.rule.id,
            **extra,
            "severity": self.severity,
            "summary": self.rule.summary,
            "packages": self.packages,
            "where": self.where,
            "notes": list(self.notes),
            "affects": self.rule.affects,
            "symptom": self.rule.symptom,
            "fix": {key: value for key, value in asdict(self.rule.fix).items() if key != "evidence"},
            "references": list(self.rule.references),
            "mined": asdict(self.rule.mined) if self.rule.mined else None,
        }


def evaluate(rules: RuleSet | Iterable[Rule], pins: PinSet) -> list[Violation]:
    """Every rule that fires on ``pins``, errors first: on each target of a universal lock (a
    violation says which targets it hits), else on the pins' one target. Of a RuleSet, only the
    rules about the pinned packages are looked at."""
    rules = _about(rules, pins, every=True)
    if not pins.targets:
        return _ordered(_on_target(rule, pins) for rule in rules)
    among = [t.target for t in pins.targets]
    found: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Violation, list[Target]]] = {}
    for targeted in pins.targets:
        for rule in rules:
            violation = _on_target(rule, targeted)
            if violation is not None:
                key = (rule.id, tuple(sorted(violation.packages.items())))
                found.setdefault(key, (violation, []))[1].append(targeted.target)
    return _ordered(replace(violation, where=describe(hit, among)) for violation, hit in found.values())


def _on_target(rule: Rule, pins: PinSet) -> Violation | None:
    hit = rule.matches(pins)
    if hit is None:
        return None
    if rule.concerns(pins) is None:  # the platform or Python it needs is not known here
        conditions = " and ".join(
            part
            for part in (rule.platform and f"on {rule.platform}", rule.python and f"on Python {rule.python}")
            if part
        )
        return Violation(rule=rule, packages=hit, severity="warning", where=f"only {conditions}")
    return Violation(rule=rule, packages=hit)


def _ordered(found: Iterable[Violation | None]) -> list[Violation]:
    return sorted((v for v in found if v is not None), key=lambda v: (v.severity != "error", v.rule.id))


def _about(rules: RuleSet | Iterable[Rule], pins: PinSet, *, every: bool = False) -> list[Rule]:
    if not isinstance(rules, RuleSet):
        return list(rules)
    versions = {name: tuple(found) for name, found in pins.packages.items()}
    for targeted in pins.targets:  # a universal lock: what any of its targets installs
        for name, found in targeted.packages.items():
            versions[name] = tuple(sorted({*versions.get(name, ()), *found}))
    return rules.about(versions, every=every)


def undecided(
    rules: RuleSet | Iterable[Rule], pins: PinSet, unknown: Iterable[str]
) -> list[tuple[Rule, dict[str, str], list[str]]]:
    """Rules the pins cannot decide: every package of the rule with a known version matches, at
    least one of them is pinned, and the others' versions are ``unknown`` (listed without an
    exact pin, or not listed at all in a file that lists only some): (rule, the matching pins,
    the unknown names)."""
    unknown = set(unknown)
    found = []
    for rule in _about(rules, pins):
        if rule.concerns(pins) is False:
            continue
        matching: dict[str, str] = {}
        missing: list[str] = []
        for name, specifier in rule.specifiers.items():
            versions = pins.versions(name)
            if versions:
                hits = [v for v in versions if specifier is not None and in_range(specifier, v)]
                if not hits:
                    break
                matching[name] = str(hits[-1])
            elif specifier is None:
                if name in unknown:  # listed, so installed: a rule that needs it absent cannot fire
                    break
            else:
                missing.append(name)
        else:
            if matching and missing:
                found.append((rule, matching, missing))
    return found


def breakages(found: Iterable[Violation]) -> list[Violation]:
    return [v for v in found if v.rule.kind == "breakage"]


def advisories(found: Iterable[Violation]) -> list[Violation]:
    return [v for v in found if v.rule.kind == "advisory"]
