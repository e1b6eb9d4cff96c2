"""The deep check: every installed package's imports of other installed packages, checked against
what those packages' modules define. It finds breakages nobody has reported yet: a consumer that
imports a name its provider's installed version no longer has.

What cannot be decided is never reported: an open module (lazy, starred, compiled without a
stub) may serve any name, and a guarded import is allowed to fail.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from packaging.utils import canonicalize_name

from hfscaffold.api import ModuleFacts, Need, Signature

Kind = Literal["source", "stub", "compiled", "namespace"]  # namespace: a folder other distributions may share
_NAME = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Module:
    name: str  # dotted
    path: str  # relative to its site-packages folder
    kind: Kind


@dataclass(frozen=True)
class Installed:
    """One installed distribution: its modules, and the facts read from their source."""

    name: str
    version: str
    modules: Mapping[str, Module]
    facts: Mapping[str, ModuleFacts]
    requires: tuple[str, ...] = ()  # its Requires-Dist lines

    @property
    def tops(self) -> frozenset[str]:
        return frozenset(name.split(".")[0] for name in self.modules)

    @property
    def declared(self) -> frozenset[str]:
        """The canonical names of everything it requires, under any marker or extra."""
        return declared_names(self.requires)


def declared_names(requires: Sequence[str]) -> frozenset[str]:
    names = set()
    for line in requires:
        match = _NAME.match(line)
        if match:
            names.add(canonicalize_name(match.group(0)))
    return frozenset(names)


@dataclass(frozen=True)
class Gap:
    consumer: Installed
    module: Module  # the consumer's module with the import
    need: Need
    provider: Installed | None  # None: no installed distribution provides the module
    reason: str
    severity: Literal["error", "warning"]
    at: str  # "import diffusers", "import diffusers.pipelines.x", "call time"

    @property
    def where(self) -> str:
        return f"{self.module.path}:{self.need.line}"

    def text(self) -> str:
        return f"{self.consumer.name} {self.consumer.version}: {self.where} {self.what}; {self.reason} (at {self.at})"

    @property
    def what(self) -> str:
        if self.need.keyword is not None:
            return f"passes {self.need.keyword}= to {self.need.name} (from {self.need.module})"
        if self.need.attribute:
            return f"uses {self.need.module}.{self.need.name}"
        return f"imports {self.need.name} from {self.need.module}" if self.need.name else f"imports {self.need.module}"

    def as_json(self) -> dict[str, object]:
        return {
            "consumer": self.consumer.name, "consumer_version": self.consumer.version, "file": self.module.path,
            "line": self.need.line, "module": self.need.module, "name": self.need.name,
            "provider": self.provider.name if self.provider else None,
            "provider_version": self.provider.version if self.provider else None,
            "reason": self.reason, "severity": self.severity, "at": self.at,
        }  # fmt: skip


def find_gaps(
    installed: Sequence[Installed], *, consumers: Sequence[Installed] | None = None, undeclared: bool = True
) -> list[Gap]:
    """Every unguarded import of another installed distribution's module or name that the
    installed version does not have: errors where ``import CONSUMER`` runs it, warnings where
    only a submodule's import or a call does. ``consumers`` limits whose imports are checked.
    With ``undeclared``, a module ``import CONSUMER`` imports from a distribution it does not
    require is a warning too: it works only while something else installs that distribution."""
    owner: dict[str, Installed] = {}  # module -> its distribution (namespace packages share a top)
    for dist in installed:
        for name in dist.modules:
            owner.setdefault(name, dist)
    gaps: list[Gap] = []
    for dist in consumers if consumers is not None else installed:
        flagged: set[str] = set()
        for module, need, severity, at in consumer_needs(dist):
            reason, provider = unmet(need, owner, dist)
            if reason is None and undeclared and severity == "error" and provider is not None:
                wanted = canonicalize_name(provider.name)
                if provider is not dist and wanted not in dist.declared and wanted not in flagged:
                    flagged.add(wanted)  # once per distribution, at its first import
                    through = sorted(d.name for d in installed if wanted in d.declared and d is not dist)
                    reason = f"{dist.name} does not require {provider.name}" + (
                        f" (installed here for {', '.join(through)})" if through else ""
                    )
                    gaps.append(Gap(dist, module, need, provider, reason, "warning", at))
                continue
            if reason is None or (provider is None and severity == "warning" and need.when == "import"):
                continue  # the latter: an optional integration's submodule, for a package not installed
            gaps.append(Gap(dist, module, need, provider, reason, severity, at))  # type: ignore[arg-type]
    return sorted(gaps, key=lambda g: (g.severity != "error", g.consumer.name, g.module.path, g.need.line))


def consumer_needs(dist: Installed) -> list[tuple[Module, Need, str, str]]:
    """The unguarded imports of a distribution's modules with the severity a gap there has and
    where it bites."""
    reached = _reached_at_import(dist)
    found: list[tuple[Module, Need, str, str]] = []
    for module_name, facts in sorted(dist.facts.items()):
        module = dist.modules[module_name]
        for need in facts.needs:
            if need.guarded:
                continue
            if need.when == "call":
                found.append((module, need, "warning", "call time"))
            elif module_name in reached:
                found.append((module, need, "error", f"import {module_name.split('.')[0]}"))
            else:
                found.append((module, need, "warning", f"import {module_name}"))
    return found


Verdict = Literal["met", "missing", "unknown"]
_MET: tuple[Verdict, None] = ("met", None)
_UNKNOWN: tuple[Verdict, None] = ("unknown", None)


def unmet(need: Need, owner: Mapping[str, Installed], consumer: Installed) -> tuple[str | None, Installed | None]:
    """Why the installed providers do not meet ``need`` (None: they do, or it cannot be told)."""
    verdict, reason, provider = judge(need, owner, consumer)
    return (reason if verdict == "missing" else None), provider


def judge(
    need: Need, owner: Mapping[str, Installed], consumer: Installed
) -> tuple[Verdict, str | None, Installed | None]:
    """Whether the installed providers meet ``need``: met, missing (with the reason), or unknown
    (an open, compiled or shared module, a signature that is not known for certain)."""
    top = need.module.split(".")[0]
    parts = need.module.split(".")
    matched = next((".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in owner), None)
    provider = owner[matched] if matched is not None else None
    if matched is not None and matched != need.module and owner[matched].modules[matched].kind == "namespace":
        provider = None  # a namespace package's other portions may come from any distribution
    if provider is None:
        if top in sys.stdlib_module_names or top.startswith("_") or need.when == "call":
            return "unknown", None, None
        return "missing", f"no installed distribution provides {top}", None
    if provider is consumer:
        return "met", None, provider
    if need.keyword is not None:
        verdict, reason = _judge_keyword(need, provider)
    elif need.attribute:
        verdict, reason = _judge_attribute(need, provider)
    else:
        verdict, reason = _judge_import(need, provider)
    return verdict, reason, provider


def _judge_import(need: Need, provider: Installed) -> tuple[Verdict, str | None]:
    module = provider.modules.get(need.module)
    if module is None:
        parent = provider.facts.get(need.module.rpartition(".")[0])
        leaf = need.module.rpartition(".")[2]
        if parent is not None and leaf in parent.names:
            return _MET  # served by its parent as an attribute
        if parent is not None and parent.open:
            return _UNKNOWN  # perhaps served lazily
        if any(m.kind == "compiled" for m in provider.modules.values() if need.module.startswith(m.name + ".")):
            return _UNKNOWN
        return "missing", f"{provider.name} {provider.version} has no module {need.module}"
    if need.name is None:
        return _MET
    if module.kind != "source":
        return _UNKNOWN
    facts = provider.facts.get(need.module)
    if facts is None or facts.open:
        if facts is not None and need.name in facts.names:
            return _MET
        return _UNKNOWN
    if need.name in facts.names or f"{need.module}.{need.name}" in provider.modules:
        return _MET
    return "missing", f"{provider.name} {provider.version} does not define it"


def signature_of(provider: Installed, module: str, name: str) -> Signature | None:
    """The signature of ``module.name`` in ``provider``, following re-exports to where it is
    defined; None where it is not known for certain."""
    for _ in range(8):
        facts = provider.facts.get(module)
        if facts is None:
            return None
        if name in facts.signatures:
            return facts.signatures[name]
        origin = facts.origins.get(name)
        if origin is None or origin == module:
            return None
        module = origin
    return None


def _judge_keyword(need: Need, provider: Installed) -> tuple[Verdict, str | None]:
    """A keyword the call passes that the callee's known signature does not accept (a callee
    that is missing altogether is its import's finding, not this one's)."""
    assert need.name is not None and need.keyword is not None
    signature = signature_of(provider, need.module, need.name)
    if signature is None:
        return _UNKNOWN
    if need.keyword in signature.keywords:
        return _MET
    return "missing", f"{provider.name} {provider.version}: {need.name}() takes no keyword {need.keyword}"


def _judge_attribute(need: Need, provider: Installed) -> tuple[Verdict, str | None]:
    """``P.x.Y`` read off a module: the first link after the longest part that is a module must be
    one of its names (or a submodule); what lies beyond that link is not known here."""
    assert need.name is not None
    parts = [*need.module.split("."), need.name]
    for cut in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in provider.modules:
            break
    else:
        return _UNKNOWN
    link = parts[cut]
    facts = provider.facts.get(prefix)
    if facts is not None and (link in facts.names or f"{prefix}.{link}" in provider.modules):
        return _MET
    if provider.modules[prefix].kind != "source" or facts is None or facts.open:
        return _UNKNOWN
    return "missing", f"{provider.name} {provider.version} has no {link} in {prefix}"


def _reached_at_import(dist: Installed) -> set[str]:
    """The consumer's modules that ``import TOP`` runs: from each top-level package, through
    every unguarded module-level import of its own modules."""
    reached: set[str] = set()
    queue = [top for top in dist.tops if top in dist.facts]
    while queue:
        name = queue.pop()
        if name in reached or name not in dist.facts:
            continue
        reached.add(name)
        parts = name.split(".")
        queue.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # a module's parents run first
        queue.extend(target for target in dist.facts[name].own_imports if target in dist.facts)
    return reached
