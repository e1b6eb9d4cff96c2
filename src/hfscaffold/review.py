"""Review of two pin sets: what moved, how far, and a report fit for a pull request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from packaging.version import Version

from hfscaffold.evaluation import Violation, advisories, evaluate
from hfscaffold.knowledge import Rule
from hfscaffold.pins import PinSet

if TYPE_CHECKING:
    from hfscaffold.catalog import Catalog

Level = Literal["major", "minor", "patch", "pre-release", "downgrade", "added", "removed", "rebuild"]
_ORDER: dict[str, int] = {
    "major": 0,
    "minor": 1,
    "pre-release": 2,
    "patch": 3,
    "rebuild": 4,
    "downgrade": 5,
    "added": 6,
    "removed": 7,
}


def level_of(old: Version | None, new: Version | None) -> Level:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if new < old:
        return "downgrade"
    if new.is_prerelease or new.is_devrelease:
        return "pre-release"
    a, b = (old.release + (0, 0, 0))[:3], (new.release + (0, 0, 0))[:3]
    if a[0] != b[0]:
        return "major"
    if a[1] != b[1]:
        return "minor"
    if a == b:
        return "rebuild"  # same release, other local tag or post-release
    return "patch"


@dataclass(frozen=True)
class Change:
    name: str
    old: str | None
    new: str | None
    level: Level
    hf: bool
    release_notes: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "old": self.old,
            "new": self.new,
            "level": self.level,
            "hf": self.hf,
            "release_notes": self.release_notes,
        }


@dataclass(frozen=True)
class HeldBack:
    name: str
    version: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "reason": self.reason}


@dataclass(frozen=True)
class CodeBreak:
    """One import in the project's code that the proposal breaks."""

    file: str  # relative to the project
    line: int
    module: str
    name: str | None
    package: str
    old: str
    new: str
    attribute: bool = False  # ``module.name`` read off an imported module, not an import
    keyword: str | None = None  # a keyword argument the code passes to ``name``

    def text(self) -> str:
        return f"{self.file}:{self.line} {self.what}; removed in {self.package} {self.new} (present in {self.old})"

    @property
    def what(self) -> str:
        if self.keyword is not None:
            return f"passes {self.keyword}= to {self.name}"
        if self.attribute:
            return f"uses {self.module}.{self.name}"
        return f"imports {self.name} from {self.module}" if self.name else f"imports {self.module}"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file, "line": self.line, "module": self.module, "name": self.name,
            "package": self.package, "old": self.old, "new": self.new, "attribute": self.attribute,
            "keyword": self.keyword,
        }  # fmt: skip


@dataclass(frozen=True)
class Review:
    changes: list[Change]
    policy: str | None = None
    held_back: list[HeldBack] = field(default_factory=list)
    applied: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # matrix rule -> constraint
    warnings: list[Violation] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # why the proposal cannot be taken
    matrix: str | None = None
    cooldown: str | None = None
    advisories_fixed: list[Violation] = field(default_factory=list)  # in the old set, gone from the new
    advisories_remaining: list[Violation] = field(default_factory=list)
    code_breaks: list[CodeBreak] = field(default_factory=list)  # the project's imports the change breaks

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.level] = counts.get(change.level, 0) + 1
        return counts

    @property
    def summary(self) -> str:
        if self.blocked:
            return f"Blocked: {self.blocked[0]}"
        if not self.changes and self.held_back:
            first = self.held_back[0]
            more = f" ({len(self.held_back) - 1} more held back)" if len(self.held_back) > 1 else ""
            return (
                f"Nothing to upgrade within the policy; held back: {first.name} {first.version} ({first.reason}){more}."
            )
        if not self.changes:
            return "Nothing to upgrade: every package is at the newest version the policy allows."
        parts = ", ".join(f"{n} {level}" for level, n in sorted(self.counts.items(), key=lambda item: _ORDER[item[0]]))
        noun = "package changes" if len(self.changes) == 1 else "packages change"
        held = f"; {len(self.held_back)} held back" if self.held_back else ""
        count = len(self.code_breaks)
        code = f"; {count} line{'s' * (count != 1)} of your code break{'s' * (count == 1)}" if count else ""
        return f"{len(self.changes)} {noun} ({parts}){held}{code}."

    def as_json(self) -> dict[str, object]:
        return {
            "summary": self.summary,
            "policy": self.policy,
            "cooldown": self.cooldown,
            "matrix": self.matrix,
            "changes": [c.as_json() for c in self.changes],
            "held_back": [h.as_json() for h in self.held_back],
            "matrix_constraints": {rule: dict(option) for rule, option in self.applied.items()},
            "warnings": [v.as_json() for v in self.warnings],
            "advisories_fixed": [v.as_json() for v in self.advisories_fixed],
            "advisories_remaining": [v.as_json() for v in self.advisories_remaining],
            "blocked": self.blocked,
            "code_breaks": [b.as_json() for b in self.code_breaks],
        }


def advisory_review(rules: Iterable[Rule], old: PinSet, new: PinSet) -> tuple[list[Violation], list[Violation]]:
    """Security advisories the change fixes, and those still present after it."""
    rules = list(rules)
    before = {v.rule.id: v for v in advisories(evaluate(rules, old))}
    after = advisories(evaluate(rules, new))
    remaining_ids = {v.rule.id for v in after}
    return [v for rule_id, v in sorted(before.items()) if rule_id not in remaining_ids], after


def release_notes_url(catalog: Catalog, name: str, version: str) -> str | None:
    component = next((c for c in catalog.components if c.name == name), None)
    if component is None:
        return None
    return f"{component.repository}/releases/tag/v{version}"


def diff(old: PinSet, new: PinSet, catalog: Catalog | None = None) -> list[Change]:
    """Every package that differs, HF packages first, then by how far it moved, then by name."""
    if catalog is None:
        from hfscaffold.catalog import load_catalog  # pydantic's models: only for a review

        catalog = load_catalog()
    hf = {c.name for c in catalog.components if c.family == "hf"}
    changes: list[Change] = []
    for name in sorted(set(old.packages) | set(new.packages)):
        before, after = old.version(name), new.version(name)
        if before == after and old.versions(name) == new.versions(name):
            continue
        level = level_of(before, after)
        notes = release_notes_url(catalog, name, str(after)) if after is not None else None
        changes.append(
            Change(name, str(before) if before else None, str(after) if after else None, level, name in hf, notes)
        )
    return sorted(changes, key=lambda c: (not c.hf, _ORDER[c.level], c.name))
