"""Knowledge mined from the wheels themselves: a consumer version that imports a name some provider
version its metadata allows does not have, while another allowed version has it.

Each finding becomes a matrix rule with its mechanical evidence (the consumer's file and line, the
import, the last provider version that has the name and the first that lacks it, the range the
consumer's metadata allows), so ``check`` evaluates it like a curated rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from hfscaffold.api import Need
from hfscaffold.deep import Gap, Installed, Module, Verdict, consumer_needs, declared_names, judge, signature_of


def pick_versions(released: Iterable[tuple[Version, datetime | None]], *, since: datetime | None) -> list[Version]:
    """The first and the last release of each minor version released since ``since``."""
    by_minor: dict[tuple[int, int], list[Version]] = {}
    for version, uploaded in released:
        if since is not None and uploaded is not None and uploaded < since:
            continue
        by_minor.setdefault((version.major, version.minor), []).append(version)
    picked: set[Version] = set()
    for versions in by_minor.values():
        picked |= {min(versions), max(versions)}
    return sorted(picked)


def allowed_range(metadata_requires: Sequence[str], provider: str) -> SpecifierSet | None:
    """What the consumer's unconditional Requires-Dist allows of ``provider`` (None: it does
    not require it, so the pair never meets through its metadata)."""
    wanted = canonicalize_name(provider)
    for line in metadata_requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) == wanted and requirement.marker is None:
            return requirement.specifier
    return None


@dataclass(frozen=True)
class Finding:
    consumer: str
    provider: str
    module: str
    name: str | None
    file: str  # in the newest consumer version it was seen in
    line: int
    severity: str
    consumer_versions: tuple[Version, ...]  # the mined versions that need it
    consumer_fixed: Version | None  # the first mined version after them that no longer needs it
    provider_present: Version  # the last allowed provider version that has it
    provider_missing: Version  # the first that lacks it
    allowed: str  # the consumer's Requires-Dist range of the provider, newest affected version
    # An undeclared import: the distribution of ``module`` that the consumer does not require and
    # the provider stopped requiring (provider_present requires it, provider_missing does not).
    undeclared: str | None = None
    keyword: str | None = None  # a keyword argument the consumer passes to ``name``, dropped
    callee: str = "def"  # "class": the keyword went missing from a class's __init__
    provider_until: Version | None = None  # the first provider version after the gap that does not lack it
    floor: bool = False  # the provider gained it (provider_present, the first with it): a floor never declared

    @property
    def id(self) -> str:
        if self.undeclared:
            return f"mined-{self.consumer}-{self.provider}-undeclared-{self.undeclared}"
        named = self.name or self.module.rsplit(".", 1)[-1]
        if self.keyword:
            named = f"{named}-{self.keyword}"
        what = re.sub(r"[^a-z0-9]+", "-", named.lower()).strip("-") or "module"
        floor = "-floor" if self.floor else ""  # a name the provider gained, not one it dropped
        late = "-on-use" if self.severity == "warning" else ""  # a submodule or a call, not `import C`
        return f"mined-{self.consumer}-{self.provider}-{what}{floor}{late}"

    def as_rule(self) -> dict[str, object]:
        """The finding as a [[rule]] table of the matrix's own schema."""
        if self.undeclared:
            return self._undeclared_rule()
        first, last = self.consumer_versions[0], self.consumer_versions[-1]
        consumer_range = f">={first},<{self.consumer_fixed}" if self.consumer_fixed else f">={first},<={last}"
        what = f"imports {self.name} from {self.module}" if self.name else f"imports {self.module}"
        symptom = (
            f"ImportError: cannot import name '{self.name}' from '{self.module}'"
            if self.name
            else f"ModuleNotFoundError: No module named '{self.module}'"
        )
        if self.keyword:
            what = f"passes {self.keyword}= to {self.name} from {self.module}"
            called = f"{self.name}.__init__" if self.callee == "class" else self.name
            symptom = f"TypeError: {called}() got an unexpected keyword argument '{self.keyword}'"
        bad = f">={self.provider_missing}" + (f",<{self.provider_until}" if self.provider_until else "")
        avoid = f">={self.provider_present}" if self.floor else f"<{self.provider_missing}"
        fix: dict[str, object] = {"prefer": {self.provider: avoid}}
        if self.consumer_fixed:
            fix["alternative"] = {self.consumer: f">={self.consumer_fixed}"}
        has, have = ("accepts", "accept") if self.keyword else ("has", "have")
        if self.floor:  # the provider gained it: the consumer needs a floor it never declared
            change = f"{self.provider} {self.provider_missing} does not {have} it, {self.provider_present} {has} it"
            gone = f"which {self.provider} {has} only from {self.provider_present}"
        else:
            change = f"{self.provider} {self.provider_present} {has} it, {self.provider_missing} does not"
            gone = f"which {self.provider} {self.provider_missing} no longer {has}"
            if self.provider_until:
                change += f" (nor any release before {self.provider_until})"
        fix["evidence"] = (
            f"{self.consumer} {last} {self.file}:{self.line} {what}; {change}; "
            f"{self.consumer} {last} allows {self.provider}{self.allowed or ' (any)'}."
        )
        kind = {"kind": "keyword", "keyword": self.keyword} if self.keyword else {}
        return {
            "id": self.id,
            "summary": f"{self.consumer} {first}-{last} {what}, {gone}",
            "severity": self.severity,
            "symptom": symptom,
            "probe": f"import {self.consumer_module}",
            "references": [
                f"https://pypi.org/project/{self.consumer}/{last}/",
                f"https://pypi.org/project/{self.provider}/{self.provider_missing}/",
            ],
            "when": {self.consumer: consumer_range, self.provider: bad},
            "fix": fix,
            "mined": {
                "file": self.file, "line": self.line, "module": self.module, "name": self.name or "",
                "last_present": str(self.provider_present), "first_missing": str(self.provider_missing),
                "allowed": self.allowed, **kind, **({"floor": True} if self.floor else {}),
            },
        }  # fmt: skip

    def _undeclared_rule(self) -> dict[str, object]:
        assert self.undeclared is not None
        first, last = self.consumer_versions[0], self.consumer_versions[-1]
        consumer_range = f">={first},<{self.consumer_fixed}" if self.consumer_fixed else f">={first},<={last}"
        fix: dict[str, object] = {"prefer": {self.provider: f"<{self.provider_missing}"}}
        if self.consumer_fixed:
            fix["alternative"] = {self.consumer: f">={self.consumer_fixed}"}
        fix["note"] = f"Installing {self.undeclared} also avoids it."
        fix["evidence"] = (
            f"{self.consumer} {last} {self.file}:{self.line} imports {self.module} at import and does not require "
            f"{self.undeclared}; {self.provider} {self.provider_present} requires {self.undeclared}, "
            f"{self.provider_missing} does not; {self.consumer} {last} allows {self.provider}{self.allowed or ' (any)'}."
        )
        return {
            "id": self.id,
            "summary": (
                f"{self.consumer} {first}-{last} imports {self.module} without requiring {self.undeclared}, "
                f"which {self.provider} {self.provider_missing} no longer brings"
            ),
            "severity": "error",
            "symptom": f"ModuleNotFoundError: No module named '{self.module}'",
            "probe": f"import {self.consumer_module}",
            "references": [
                f"https://pypi.org/project/{self.consumer}/{last}/",
                f"https://pypi.org/project/{self.provider}/{self.provider_missing}/",
            ],
            "when": {self.consumer: consumer_range, self.provider: f">={self.provider_missing}", self.undeclared: "absent"},
            "fix": fix,
            "mined": {
                "kind": "undeclared", "file": self.file, "line": self.line, "module": self.module,
                "last_present": str(self.provider_present), "first_missing": str(self.provider_missing),
                "allowed": self.allowed, "requires": self.undeclared,
            },
        }  # fmt: skip

    @property
    def consumer_module(self) -> str:
        return self.consumer.replace("-", "_")


def unconditional_names(requires: Sequence[str]) -> frozenset[str]:
    """The canonical names of the Requires-Dist lines without a marker (no extra, no platform)."""
    names = set()
    for line in requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None:
            names.add(canonicalize_name(requirement.name))
    return frozenset(names)


def mine_undeclared(
    consumer: Mapping[Version, Installed],
    requires: Mapping[Version, Sequence[str]],
    provider: Mapping[Version, Installed],
    provider_name: str,
    tops_of: Mapping[str, frozenset[str]],
    *,
    needs: Mapping[Version, Sequence[tuple[Module, Need, str, str]]] | None = None,
) -> list[Finding]:
    """Consumer versions whose ``import C`` imports a module of a distribution they do not
    require, which an allowed provider version requires and a later allowed one no longer does:
    with that provider version, nothing brings the module. ``tops_of`` maps a distribution's
    canonical name to its top-level modules (only distributions some provider stopped requiring
    need be there)."""
    provider_versions = sorted(provider)
    consumer_versions = sorted(consumer)
    wanted_provider = canonicalize_name(provider_name)
    hits: dict[tuple[str, str], list[tuple[Version, Module, Need, Version, Version, str]]] = {}
    for version in consumer_versions:
        allowed = allowed_range(requires.get(version, ()), provider_name)
        if allowed is None:
            continue
        candidates = [p for p in provider_versions if allowed.contains(p, prereleases=True)]
        declared = declared_names(requires.get(version, ()))
        imported: dict[str, tuple[Module, Need]] = {}
        for module, need, severity, _ in needs[version] if needs is not None else consumer_needs(consumer[version]):
            if severity == "error" and not _is_script(module.name):
                imported.setdefault(need.module.split(".")[0], (module, need))
        own = consumer[version].tops
        for dist, tops in sorted(tops_of.items()):
            if dist in declared or dist in (wanted_provider, canonicalize_name(consumer[version].name)):
                continue
            top = next((t for t in sorted(tops) if t in imported and t not in own), None)
            if top is None:
                continue
            requiring = [p for p in candidates if dist in unconditional_names(provider[p].requires)]
            lacking = [p for p in candidates if dist not in declared_names(provider[p].requires)]
            first_missing = min((m for m in lacking if requiring and m > min(requiring)), default=None)
            if first_missing is None:
                continue
            last_present = max(r for r in requiring if r < first_missing)
            module, need = imported[top]
            hits.setdefault((dist, top), []).append((version, module, need, last_present, first_missing, str(allowed)))
    findings = []
    for (dist, top), entries in sorted(hits.items()):
        versions = tuple(e[0] for e in entries)
        _, module, need, has_it, lacks_it, metadata_range = entries[-1]
        later = [v for v in consumer_versions if v > versions[-1] and v not in versions]
        finding = Finding(
            consumer=canonicalize_name(consumer[versions[-1]].name), provider=wanted_provider, module=top,
            name=None, file=module.path, line=need.line, severity="error", consumer_versions=versions,
            consumer_fixed=later[0] if later else None, provider_present=has_it, provider_missing=lacks_it,
            allowed=metadata_range, undeclared=dist,
        )  # fmt: skip
        findings.append(finding)
    return findings


def _is_script(module: str) -> bool:
    """A one-off conversion script shipped inside a package (``convert_x_to_y``): run by hand by
    whoever converts a checkpoint, never imported by users, so not worth a rule."""
    return module.rsplit(".", 1)[-1].startswith("convert_")


def mine_pair(
    consumer: Mapping[Version, Installed],
    requires: Mapping[Version, Sequence[str]],
    provider: Mapping[Version, Installed],
    provider_name: str,
    *,
    needs: Mapping[Version, Sequence[tuple[Module, Need, str, str]]] | None = None,
) -> list[Finding]:
    """The findings of one consumer against one provider, over the mined versions of each.
    ``needs`` (each version's ``consumer_needs``) spares reading them again for every provider."""
    provider_versions = sorted(provider)
    affected: dict[tuple[str, str | None, str | None, bool], list[_Entry]] = {}
    consumer_versions = sorted(consumer)
    for version in consumer_versions:
        allowed = allowed_range(requires.get(version, ()), provider_name)
        if allowed is None:
            continue
        candidates = [p for p in provider_versions if allowed.contains(p, prereleases=True)]
        if len(candidates) < 2:
            continue
        judged: dict[tuple[str, int, str | None, str | None], dict[Version, tuple[Verdict, Gap | None]]] = {}
        tops = {name.split(".")[0] for p in candidates for name in provider[p].modules}
        relevant = [
            n
            for n in (needs[version] if needs is not None else consumer_needs(consumer[version]))
            if n[1].module.split(".")[0] in tops and not _is_script(n[0].name)
        ]
        for provided in candidates:
            owner = {name: provider[provided] for name in provider[provided].modules}
            for importer, need, severity, at in relevant:
                verdict, reason, found = judge(need, owner, consumer[version])
                if found is not provider[provided]:
                    continue
                gap = Gap(consumer[version], importer, need, found, reason or "", severity, at) if reason else None  # type: ignore[arg-type]
                judged.setdefault((need.module, need.line, need.name, need.keyword), {})[provided] = (verdict, gap)
        for (module, _, name, keyword), verdicts in judged.items():
            for has_it, first_missing, until, floor in _bad_ranges(candidates, {v: j[0] for v, j in verdicts.items()}):
                gap = verdicts[first_missing][1]
                assert gap is not None
                entry = _Entry(version, gap, has_it, first_missing, until, str(allowed))
                affected.setdefault((module, name, keyword, floor), []).append(entry)
    findings = []
    for (module, name, keyword, floor), entries in sorted(
        affected.items(), key=lambda i: (i[0][0], i[0][1] or "", i[0][2] or "", i[0][3])
    ):
        needing = {e.version for e in entries}
        # Per consumer version, the line that bites hardest; versions where it breaks `import C`
        # and versions where it breaks only a submodule or a call are findings of their own.
        worst: dict[Version, _Entry] = {}
        for entry in entries:
            if entry.version not in worst or (
                entry.gap.severity == "error" and worst[entry.version].gap.severity != "error"
            ):
                worst[entry.version] = entry
        for severity in ("error", "warning"):
            group = [worst[v] for v in sorted(worst) if worst[v].gap.severity == severity]
            if not group:
                continue
            versions = tuple(e.version for e in group)
            newest = group[-1]
            later = [v for v in consumer_versions if v > versions[-1] and v not in needing]
            callee = signature_of(provider[newest.has_it], module, name) if keyword and name else None
            finding = Finding(
                consumer=canonicalize_name(newest.gap.consumer.name), provider=canonicalize_name(provider_name),
                module=module, name=name, file=newest.gap.module.path, line=newest.gap.need.line,
                severity=severity, consumer_versions=versions, consumer_fixed=later[0] if later else None,
                provider_present=newest.has_it, provider_missing=newest.first_missing, allowed=newest.allowed,
                keyword=keyword, callee=callee.kind if callee else "def", provider_until=newest.until, floor=floor,
            )  # fmt: skip
            findings.append(finding)
    return findings


@dataclass(frozen=True)
class _Entry:
    version: Version  # of the consumer
    gap: Gap  # at the first provider version that lacks it
    has_it: Version
    first_missing: Version
    until: Version | None
    allowed: str


def _bad_ranges(
    candidates: Sequence[Version], verdicts: Mapping[Version, Verdict]
) -> list[tuple[Version, Version, Version | None, bool]]:
    """Where the allowed provider versions known to lack a need lie, next to one known to have it
    (unknown versions count as neither), as (the version that has it, the first lacking it, the
    end of the run of versions lacking it or None, whether it is a floor). A removal: the first
    run after a version that has it, up to the next version not known to lack it. A floor the
    consumer never declared: the run just before the first version that has it."""
    ordered = sorted(candidates)
    met = [v for v in ordered if verdicts.get(v) == "met"]
    if not met:
        return []  # never seen there: not this pair's doing
    found: list[tuple[Version, Version, Version | None, bool]] = []
    first_met = ordered.index(met[0])
    start = first_met
    while start > 0 and verdicts.get(ordered[start - 1]) == "missing":
        start -= 1
    if start < first_met:
        found.append((met[0], ordered[start], met[0], True))
    for i in range(first_met, len(ordered)):
        if verdicts.get(ordered[i]) == "missing":
            end = next((v for v in ordered[i:] if verdicts.get(v) != "missing"), None)
            found.append((max(v for v in met if v < ordered[i]), ordered[i], end, False))
            break
    return found
