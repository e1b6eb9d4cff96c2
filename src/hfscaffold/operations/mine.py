"""``hfscaffold matrix mine``: findings mined from the stack's wheels, written as matrix rules.

For each package, the first and last release of every minor since ``since`` is fetched (a wheel,
never built or run) and read; every consumer version is checked against every provider version
its metadata allows, for names it imports that the provider dropped and for modules it imports
from a distribution it does not require that the provider stopped requiring. Every release since
``since`` is also checked for targets its wheels leave to an sdist (from the index's file list).
Reading is spread over a process pool; what was read is cached per wheel, so a later run only
reads new releases.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from hfscaffold import _toml
from hfscaffold.adapters.cache import user_cache
from hfscaffold.adapters.fs import write_atomic
from hfscaffold.adapters.index import releases
from hfscaffold.adapters.site import dump_installed, load_installed, read_site
from hfscaffold.adapters.uv import Uv
from hfscaffold.deep import Installed, consumer_needs, declared_names
from hfscaffold.errors import ExternalError
from hfscaffold.mining import Finding, mine_pair, mine_undeclared, pick_versions, unconditional_names
from hfscaffold.wheels import Listed, MissingWheels, missing_wheels

Reporter = Callable[[str], None]
Mined = Finding | MissingWheels
_PYTHON_MINORS = range(10, 15)  # the Pythons wheels are looked for: 3.10 .. 3.14


@dataclass(frozen=True)
class MineRequest:
    packages: tuple[str, ...]  # the consumers
    against: tuple[str, ...]  # the providers
    output: Path
    since: datetime | None = None
    jobs: int = 2


@dataclass(frozen=True)
class MineResult:
    findings: list[Mined]
    new: list[str]
    gone: list[str]
    widened: list[str]
    read: int  # releases read
    seconds: float

    def as_json(self) -> dict[str, object]:
        return {
            "findings": [f.as_rule() for f in self.findings], "new": self.new, "gone": self.gone,
            "widened": self.widened, "releases_read": self.read, "seconds": round(self.seconds, 2),
        }  # fmt: skip


def read_release(name: str, version: str, digest: str | None) -> Installed | None:
    """One release, fetched and read, or its cached facts (None: no wheel installs here)."""
    cache = user_cache() / "mined" / f"{canonicalize_name(name)}-{version}-{(digest or 'unknown')[:16]}.json"
    try:
        cached = load_installed(json.loads(cache.read_text(encoding="utf-8")))
        if cached is not None:
            return cached
    except (OSError, ValueError):
        pass
    work = Path(tempfile.mkdtemp(prefix="hfscaffold-mine-"))
    try:
        Uv().unpack(f"{name}=={version}", work)
        found = [d for d in read_site([work], cache=False) if canonicalize_name(d.name) == canonicalize_name(name)]
    except ExternalError:
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not found:
        return None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cache, json.dumps(dump_installed(found[0])))
    except OSError:
        pass
    return found[0]


def mine(request: MineRequest, *, report: Reporter = lambda _: None) -> MineResult:
    import time

    started = time.perf_counter()
    names: list[str] = list(dict.fromkeys(str(canonicalize_name(n)) for n in (*request.packages, *request.against)))
    wanted: list[tuple[str, Version, str | None]] = []
    wheel_findings: list[MissingWheels] = []
    for name in names:
        listed = releases(name)
        picked = set(pick_versions(((r.version, r.uploaded) for r in listed), since=request.since))
        wanted += [(name, r.version, r.wheel_sha256) for r in listed if r.version in picked]
        recent = [
            Listed(r.version, r.wheels, r.sdist, r.requires_python)
            for r in listed
            if request.since is None or r.uploaded is None or r.uploaded >= request.since
        ]
        wheel_findings += missing_wheels(name, recent, minors=_PYTHON_MINORS)
        report(f"{name}: {len(picked)} releases to read")
    read = _read_all(wanted, jobs=request.jobs, report=report)
    providers = list(dict.fromkeys(canonicalize_name(n) for n in request.against))
    tops_of = _dropped_distributions(read, providers, jobs=request.jobs, report=report)
    findings: list[Finding] = []
    for consumer in dict.fromkeys(canonicalize_name(n) for n in request.packages):
        requires = {version: dist.requires for version, dist in read[consumer].items()}
        needs = {version: consumer_needs(dist) for version, dist in read[consumer].items()}  # once, for every provider
        for provider in providers:
            if provider != consumer:
                findings += mine_pair(read[consumer], requires, read[provider], provider, needs=needs)
                findings += mine_undeclared(read[consumer], requires, read[provider], provider, tops_of, needs=needs)
    found: list[Mined] = [*_unique(findings), *wheel_findings]
    before = _previous(request.output)
    after = {f.id: f.as_rule()["when"] for f in found}
    new = sorted(set(after) - set(before))
    gone = sorted(set(before) - set(after))
    widened = sorted(rule_id for rule_id in set(after) & set(before) if after[rule_id] != before[rule_id])
    _write(request.output, found)
    return MineResult(found, new, gone, widened, sum(len(v) for v in read.values()), time.perf_counter() - started)


def _read_all(
    wanted: Sequence[tuple[str, Version, str | None]], *, jobs: int, report: Reporter
) -> dict[str, dict[Version, Installed]]:
    read: dict[str, dict[Version, Installed]] = {name: {} for name, _, _ in wanted}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            pool.submit(read_release, name, str(version), digest): (name, version) for name, version, digest in wanted
        }
        for done, future in enumerate(as_completed(futures), start=1):
            package, version = futures[future]
            installed = future.result()
            if installed is not None:
                read[package][version] = installed
            report(f"[{done}/{len(futures)}] read {package} {version}")
    return read


def _dropped_distributions(
    read: dict[str, dict[Version, Installed]], providers: Sequence[str], *, jobs: int, report: Reporter
) -> dict[str, frozenset[str]]:
    """The top-level modules of every distribution some provider version requires and a later
    one does not: read from the mined releases, else from the newest release on the index."""
    dropped: set[str] = set()
    for provider in providers:
        versions = sorted(read.get(provider, {}))
        for i, version in enumerate(versions):
            required = unconditional_names(read[provider][version].requires)  # what every install brings
            for later in versions[i + 1 :]:
                dropped |= required - declared_names(read[provider][later].requires)
    tops: dict[str, frozenset[str]] = {}
    missing: list[tuple[str, Version, str | None]] = []
    for name in sorted(dropped):
        if read.get(name):
            tops[name] = read[name][max(read[name])].tops
            continue
        try:
            listed = releases(name)
        except ExternalError:
            continue
        if listed:
            missing.append((name, listed[-1].version, listed[-1].wheel_sha256))
    for name, newest in _read_all(missing, jobs=jobs, report=report).items():
        if newest:
            tops[name] = newest[max(newest)].tops
    return tops


def _unique(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per id (the same name imported from two modules: the first, by module)."""
    seen: dict[str, Finding] = {}
    for finding in sorted(findings, key=lambda f: (f.id, f.module)):
        seen.setdefault(finding.id, finding)
    return list(seen.values())


def _previous(path: Path) -> dict[str, object]:
    try:
        data = _toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    rules = data.get("rule", [])
    return (
        {r["id"]: r.get("when") for r in rules if isinstance(r, dict) and "id" in r} if isinstance(rules, list) else {}
    )


def _write(path: Path, findings: Sequence[Mined]) -> None:
    import tomlkit

    document = tomlkit.document()
    document.add(
        tomlkit.comment("Mined by `hfscaffold matrix mine` from the wheels on the index: review before release.")
    )
    document.add(tomlkit.comment("Each rule's [rule.mined] table is its evidence; curated rules take precedence."))
    rules = tomlkit.aot()
    for finding in findings:
        rules.append(tomlkit.item(finding.as_rule()))
    document["rule"] = rules
    write_atomic(path, tomlkit.dumps(document))
