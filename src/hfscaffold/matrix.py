"""The schema of the compatibility matrix's rule files, and the one place they are validated.

What the schema accepts becomes the plain records of knowledge.py, which everything else uses:
a rule file is validated once (the compiled index in adapters/knowledge_files.py keeps the
result), so pydantic is imported only when a rule file is new.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hfscaffold import _toml
from hfscaffold.errors import UserError, quoted
from hfscaffold.knowledge import ABSENT, Kind, Rule, RuleSet, Severity, rule_from_json
from hfscaffold.ranges import inside, specifiers_overlap
from hfscaffold.validation import describe_validation_error

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_URL = re.compile(r"^https://[\w.-]+\.\w+/\S+$")
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


class FixModel(BaseModel):
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


class VerifiedModel(BaseModel):
    """The result of `hfscaffold matrix verify`: the probe failed on ``bad`` and passed on ``fixed``."""

    model_config = _FROZEN

    bad: dict[str, str]
    fixed: dict[str, str]
    python: str
    on: str


class MinedModel(BaseModel):
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


class RuleModel(BaseModel):
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
    fix: FixModel
    probe: str = Field(min_length=5)
    references: tuple[str, ...] = Field(min_length=1)
    verified: VerifiedModel | None = None
    mined: MinedModel | None = None  # found in the wheels by `hfscaffold matrix mine`, not curated

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
    def _advisories_name_their_ids(self) -> RuleModel:
        if (self.kind == "advisory") != bool(self.advisories):
            raise ValueError("an advisory names its CVE/GHSA ids in `advisories`, and only an advisory does")
        return self

    @model_validator(mode="after")
    def _fix_excludes_the_bad_combination(self) -> RuleModel:
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


class RuleFileModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    version: str = "unversioned"  # of the rule data; recorded in projects locked with it
    rules: tuple[RuleModel, ...] = Field(alias="rule", default=())

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleFileModel:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {quoted(rule.id)} is used twice")
            seen.add(rule.id)
        return self


def parse_rules(text: str, *, source: str) -> RuleSet:
    """A rule file's text -> a RuleSet; every problem reported at once as ``file: rule[i] (id).field: message``."""
    data = _toml.parse(text, source=source, hint="fix the file's syntax")
    try:
        checked = RuleFileModel.model_validate(data)
    except ValidationError as exc:
        raise UserError(
            describe_validation_error(source, exc, data),
            hint="each [[rule]] needs id, summary, when, severity, symptom, fix.prefer, probe and references",
        ) from None
    return RuleSet.of((rule_from_json(rule.model_dump(mode="json")) for rule in checked.rules), version=checked.version)


def with_mined(curated: RuleSet, mined: RuleSet) -> RuleSet:
    """The curated rules and the mined findings; a curated rule about the same two packages and
    versions takes precedence over a mined one."""
    kept = [rule for rule in mined if not any(covers(known, rule) for known in curated)]
    return RuleSet.of([*curated, *kept], version=curated.version)


def covers(curated: Rule, mined: Rule) -> bool:
    """Whether a curated rule already speaks of every version pair the mined one names (the
    same packages, each mined range inside the curated one, on the same or a wider platform and
    Python): then the curated rule stands alone."""
    if set(curated.when) != set(mined.when) or curated.platform not in (None, mined.platform):
        return False
    if curated.python is not None and (mined.python is None or not inside(mined.python, curated.python)):
        return False
    for name, spec in mined.when.items():
        known = curated.when[name]
        if ABSENT in (spec, known):
            if spec != known:
                return False
            continue
        if not inside(spec, known):
            return False
    return True


__all__ = [
    "FixModel",
    "MinedModel",
    "RuleFileModel",
    "RuleModel",
    "VerifiedModel",
    "covers",
    "parse_rules",
    "with_mined",
]
