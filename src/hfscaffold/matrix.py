"""The compatibility matrix: known-bad combinations as data, evaluated against pin sets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hfscaffold import _toml
from hfscaffold.errors import UserError, quoted
from hfscaffold.pins import PinSet
from hfscaffold.validation import describe_validation_error

ABSENT = "absent"
_FROZEN = ConfigDict(frozen=True, extra="forbid")
_URL = re.compile(r"^https://[\w.-]+\.\w+/\S+$")

Severity = Literal["error", "warning"]
Kind = Literal["breakage", "advisory"]
_ADVISORY_ID = re.compile(r"^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$")
Platform = Literal["linux", "darwin", "win32"]


def _check_requirements(value: Mapping[str, str], *, allow_absent: bool) -> dict[str, str]:
    checked: dict[str, str] = {}
    for name, spec in value.items():
        if canonicalize_name(name) != name:
            raise ValueError(f"{quoted(name)} is not a canonical package name (use {quoted(canonicalize_name(name))})")
        if allow_absent and spec == ABSENT:
            checked[name] = spec
            continue
        try:
            SpecifierSet(spec)
        except InvalidSpecifier:
            raise ValueError(f"{quoted(name)}: {quoted(spec)} is not a PEP 440 specifier") from None
        if not spec.strip():
            raise ValueError(f"{name}: an empty specifier matches every version")
        checked[name] = spec
    return checked


def _boundary_versions(*specifier_sets: SpecifierSet) -> list[Version]:
    """A version at, and one just past, every boundary of the sets (and one beyond them all).

    Membership in a specifier set only changes at its boundaries, so testing these points
    decides whether two sets intersect. "Just past" must not be a post-release: ``>V``
    excludes V's post-releases.
    """
    points = {Version("0"), Version("0.0.0.0.1")}
    for specifiers in specifier_sets:
        for spec in specifiers:
            text = spec.version.removesuffix(".*")
            try:
                version = Version(text)
            except InvalidVersion:  # "===" arbitrary strings
                continue
            release = ".".join(map(str, version.release))
            points |= {version, Version(f"{release}.post1"), Version(f"{release}.0.0.0.1")}
            prefix = version.release[:-1] if spec.operator == "~=" else version.release
            if spec.operator == "~=" or spec.version.endswith(".*"):  # ~=1.2 and ==1.2.* end at the next prefix
                bumped = (*prefix[:-1], prefix[-1] + 1)
                points |= {Version(".".join(map(str, bumped))), Version(".".join(map(str, bumped)) + ".0.0.0.1")}
            points.add(Version(str(version.release[0] + 1)))
    return sorted(points)


def specifiers_overlap(a: SpecifierSet, b: SpecifierSet) -> bool:
    """Whether some version satisfies both ``a`` and ``b`` (pre-releases included)."""
    return any(a.contains(v, prereleases=True) and b.contains(v, prereleases=True) for v in _boundary_versions(a, b))


class Fix(BaseModel):
    """The constraint that avoids the bad combination, and another that also does."""

    model_config = _FROZEN

    prefer: dict[str, str]
    alternative: dict[str, str] = Field(default_factory=dict)
    note: str = ""
    evidence: str = ""  # how it was shown that package metadata lets the bad combination through

    @field_validator("prefer", "alternative")
    @classmethod
    def _valid(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_requirements(value, allow_absent=False)

    def options(self) -> list[dict[str, str]]:
        return [self.prefer, *([self.alternative] if self.alternative else [])]


class Verified(BaseModel):
    """The result of `hfscaffold matrix verify`: the probe failed on ``bad`` and passed on ``fixed``."""

    model_config = _FROZEN

    bad: dict[str, str]
    fixed: dict[str, str]
    python: str
    on: str


class Mined(BaseModel):
    """The mechanical evidence of a mined rule. ``import``: where the consumer imports the name,
    and the provider versions between which it went missing. ``keyword``: where the consumer
    calls ``name`` with a keyword argument, and the provider versions between which the callee
    stopped accepting it. ``undeclared``: where the consumer
    imports a module of a distribution it does not require (``requires``), and the provider
    versions between which the provider stopped requiring it. ``wheels``: the sdist a target is
    left with, the first release without a wheel for it and the first with one again."""

    model_config = _FROZEN

    kind: Literal["import", "keyword", "undeclared", "wheels"] = "import"
    file: str
    line: int = Field(0, ge=0)
    module: str
    name: str = ""  # empty: the module itself is imported
    last_present: str
    first_missing: str
    allowed: str = ""  # the consumer's Requires-Dist range of the provider
    requires: str = ""  # undeclared: the distribution the consumer imports but does not require
    keyword: str = ""  # keyword: the argument the consumer passes to ``name`` that went missing
    floor: bool = False  # the provider gained the name at last_present (first_missing lacks it)


class Rule(BaseModel):
    model_config = _FROZEN

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    # A breakage is repaired during resolution; an advisory (a published CVE/GHSA) is reported.
    kind: Kind = "breakage"
    advisories: tuple[str, ...] = ()
    summary: str = Field(min_length=10)
    when: dict[str, str] = Field(min_length=1)
    python: str | None = None
    platform: Platform | None = None
    # The API the breakage hits ("Trainer", "load_metric"), when only its users meet it.
    affects: str | None = Field(None, min_length=2, max_length=80)
    severity: Severity
    symptom: str = Field(min_length=5)
    fix: Fix
    probe: str = Field(min_length=5)
    references: tuple[str, ...] = Field(min_length=1)
    verified: Verified | None = None
    mined: Mined | None = None  # found in the wheels by `hfscaffold matrix mine`, not curated

    @field_validator("when")
    @classmethod
    def _valid_when(cls, value: dict[str, str]) -> dict[str, str]:
        checked = _check_requirements(value, allow_absent=True)
        if all(spec == ABSENT for spec in checked.values()):
            raise ValueError("at least one package must be present with a version specifier")
        return checked

    @field_validator("python")
    @classmethod
    def _valid_python(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                SpecifierSet(value)
            except InvalidSpecifier:
                raise ValueError(f"{quoted(value)} is not a PEP 440 specifier") from None
        return value

    @field_validator("advisories")
    @classmethod
    def _advisory_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for advisory in value:
            if not _ADVISORY_ID.match(advisory):
                raise ValueError(f"{quoted(advisory)} is not a CVE or GHSA id")
        return value

    @field_validator("references")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not _URL.match(url):
                raise ValueError(f"{quoted(url)} is not an https URL")
        return value

    @model_validator(mode="after")
    def _advisories_name_their_ids(self) -> Rule:
        if (self.kind == "advisory") != bool(self.advisories):
            raise ValueError("an advisory names its CVE/GHSA ids in `advisories`, and only an advisory does")
        return self

    @model_validator(mode="after")
    def _fix_excludes_the_bad_combination(self) -> Rule:
        for label, option in (("prefer", self.fix.prefer), ("alternative", self.fix.alternative)):
            if not option:
                continue
            if not any(
                name in self.when
                and self.when[name] != ABSENT
                and not specifiers_overlap(SpecifierSet(self.when[name]), SpecifierSet(spec))
                for name, spec in option.items()
            ):
                raise ValueError(f"fix.{label} {option} does not exclude the bad combination {self.when}")
        return self

    @cached_property
    def specifiers(self) -> dict[str, SpecifierSet | None]:
        """``when`` parsed: None marks a package that must be absent."""
        return {name: None if spec == ABSENT else SpecifierSet(spec) for name, spec in self.when.items()}

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
            elif not SpecifierSet(self.python).contains(pins.python, prereleases=True):
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


def in_range(specifier: SpecifierSet, version: Version) -> bool:
    """Whether ``version`` falls in a rule's range. A pre-release or dev release counts as the
    release it leads to (5.0.0rc1 as 5.0.0: it carries 5.0's changes), unless the range itself
    names pre-releases, which then decide exactly."""
    if version.is_prerelease and not any(
        Version(s.version.removesuffix(".*")).is_prerelease for s in specifier if s.operator != "==="
    ):
        version = Version(version.base_version)
    return specifier.contains(version, prereleases=True)


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    version: str = "unversioned"  # of the rule data; recorded in projects locked with it
    rules: tuple[Rule, ...] = Field(alias="rule", default=())

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {quoted(rule.id)} is used twice")
            seen.add(rule.id)
        return self

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        import difflib

        close = difflib.get_close_matches(rule_id, [r.id for r in self.rules], n=1)
        hint = f"did you mean {close[0]!r}?" if close else "`hfscaffold matrix list` shows the rule ids"
        raise UserError(f"no rule {quoted(rule_id)}", hint=hint)

    def merged(self, other: RuleSet, *, source: str) -> RuleSet:
        clash = {r.id for r in self.rules} & {r.id for r in other.rules}
        if clash:
            raise UserError(
                f"{source}: rule ids {sorted(clash)} are already hfscaffold rules",
                hint="give your rules ids of their own",
            )
        return RuleSet(version=f"{self.version}+{Path(source).name}", rule=(*self.rules, *other.rules))


def parse_rules(text: str, *, source: str) -> RuleSet:
    """A rule file's text -> a RuleSet; every problem reported at once as ``file: rule[i] (id).field: message``."""
    data = _toml.parse(text, source=source, hint="fix the file's syntax")
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise UserError(
            describe_validation_error(source, exc, data),
            hint="each [[rule]] needs id, summary, when, severity, symptom, fix.prefer, probe and references",
        ) from None


def builtin_rule_file() -> Path:
    return Path(str(resources.files("hfscaffold"))) / "data" / "rules.toml"


@cache
def builtin_rules() -> RuleSet:
    """The curated rules and the mined findings; a curated rule about the same two packages and
    versions takes precedence over a mined one."""
    curated = parse_rules(builtin_rule_file().read_text(encoding="utf-8"), source="hfscaffold/data/rules.toml")
    mined_file = builtin_rule_file().with_name("mined.toml")
    if not mined_file.is_file():
        return curated
    mined = parse_rules(mined_file.read_text(encoding="utf-8"), source="hfscaffold/data/mined.toml")
    kept = tuple(rule for rule in mined if not any(_covers(known, rule) for known in curated))
    return RuleSet(version=curated.version, rule=(*curated.rules, *kept))


def _covers(curated: Rule, mined: Rule) -> bool:
    """Whether a curated rule already speaks of every version pair the mined one names (the
    same packages, each mined range inside the curated one, on the same or a wider platform and
    Python): then the curated rule stands alone."""
    if set(curated.when) != set(mined.when) or curated.platform not in (None, mined.platform):
        return False
    if curated.python is not None and (mined.python is None or not _inside(mined.python, curated.python)):
        return False
    for name, spec in mined.when.items():
        known = curated.when[name]
        if ABSENT in (spec, known):
            if spec != known:
                return False
            continue
        if not _inside(spec, known):
            return False
    return True


def _inside(inner_spec: str, outer_spec: str) -> bool:
    """Whether every version ``inner_spec`` allows, ``outer_spec`` allows too."""
    inner, outer = SpecifierSet(inner_spec), SpecifierSet(outer_spec)
    return not any(
        inner.contains(v, prereleases=True) and not outer.contains(v, prereleases=True)
        for v in _boundary_versions(inner, outer)
    )


def load_rules(extra: Iterable[Path] = ()) -> RuleSet:
    """The built-in rules plus the user's rule files."""
    rules = builtin_rules()
    for path in extra:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(
                f"cannot read rule file {path}: {exc.strerror}", hint="check the path given to --rules"
            ) from None
        except UnicodeDecodeError:
            raise UserError(
                f"{path}: not UTF-8 text, so not a rule file",
                hint="rule files are TOML; check the path given to --rules",
            ) from None
        rules = rules.merged(parse_rules(text, source=str(path)), source=str(path))
    return rules


def compatible(option: Mapping[str, str], constraints: Mapping[str, SpecifierSet]) -> bool:
    """Whether a fix option can hold together with the user's own constraints."""
    return all(
        name not in constraints or specifiers_overlap(constraints[name], SpecifierSet(spec))
        for name, spec in option.items()
    )


__all__ = [
    "ABSENT",
    "Fix",
    "Rule",
    "RuleSet",
    "Verified",
    "builtin_rules",
    "compatible",
    "load_rules",
    "parse_rules",
    "specifiers_overlap",
]
