"""``hfscaffold why``, ``status`` and ``matrix export``: the knowledge, explained and shared."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from hfscaffold import __version__, _toml
from hfscaffold.adapters.render import ANSWERS, read_answers
from hfscaffold.errors import HfscaffoldError, UserError
from hfscaffold.evaluation import advisories, breakages, evaluate
from hfscaffold.pins import read_uv_lock
from hfscaffold.policy import Policy
from hfscaffold.project import load_project
from hfscaffold.pyproject import read_matrix_constraints


@dataclass(frozen=True)
class Why:
    package: str
    versions: list[str]
    direct: str | None  # the project's own requirement, e.g. "transformers==4.44.2"
    required_by: list[str]  # "accelerate 1.15.0 (torch>=2.0.0)"
    constraints: list[str] = field(default_factory=list)  # matrix constraints on it, with rule and reference
    advisories: list[str] = field(default_factory=list)
    policy: str = ""

    def as_json(self) -> dict[str, object]:
        return self.__dict__.copy()


def why(root: Path, package: str) -> Why:
    project = load_project(root)
    name = canonicalize_name(package)
    if not project.lock_file.is_file():
        raise UserError(f"{project.root} has no uv.lock", hint="run `hfscaffold lock`")
    text = project.lock_text()
    pins = read_uv_lock(text, source=str(project.lock_file))
    if name not in pins.packages:
        raise UserError(f"{name} is not in the lock", hint="`hfscaffold why` explains packages that uv.lock holds")
    required_by = []
    for entry in _toml.loads(text).get("package", []):
        for group in ("dependencies", "optional-dependencies", "dev-dependencies"):
            value = entry.get(group, [])
            items = [d for ds in value.values() for d in ds] if isinstance(value, dict) else value
            for dependency in items:
                if isinstance(dependency, dict) and canonicalize_name(str(dependency.get("name", ""))) == name:
                    owner = str(entry.get("name"))
                    specs = [
                        r
                        for r in entry.get("metadata", {}).get("requires-dist", [])
                        if canonicalize_name(str(r.get("name", ""))) == name
                    ]
                    spec = str(specs[0].get("specifier", "")) if specs else ""
                    label = f"{owner} {entry.get('version', '')}".strip() + (f" ({name}{spec})" if spec else "")
                    if label not in required_by:
                        required_by.append(label)
    project.constraints()  # a malformed requirement is a UserError here, not a traceback below
    direct = next((line for line in project.requirements() if canonicalize_name(Requirement(line).name) == name), None)
    rules = project.rules()
    known = {rule.id: rule for rule in rules}
    constraints = []
    for rule_id, option in read_matrix_constraints(project.pyproject.read_text(encoding="utf-8")).items():
        if name in option:
            rule = known.get(rule_id)
            reference = f"; see {rule.references[0]}" if rule else ""
            summary = f": {rule.summary}" if rule else ""
            constraints.append(f"{name}{option[name]} by matrix rule {rule_id}{summary}{reference}")
    found = [v for v in advisories(evaluate(rules, pins)) if name in v.rule.when]
    version = pins.version(name)
    policy = ""
    if direct and version is not None:
        policy = f"`hfscaffold upgrade {name}` may move it within {Policy.PATCH.allowed(version)} (patch policy; --policy minor/major for more), after the cooldown"
    return Why(
        package=name,
        versions=[str(v) for v in pins.versions(name)],
        direct=direct,
        required_by=sorted(required_by),
        constraints=constraints,
        advisories=[f"{', '.join(v.rule.advisories)}: {v.rule.summary}" for v in found],
        policy=policy,
    )


@dataclass(frozen=True)
class Status:
    project: str
    template: str
    violations: int
    advisories: int
    lock_age_days: float | None
    newer_patches: list[str] | None  # None when not looked up (offline without cache, or failed)
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        return self.__dict__.copy()


def status(root: Path, *, offline: bool = False, look_up: bool = True) -> Status:
    """One project's line; a project that cannot be read is a line with its error, not a failure."""
    try:
        return _status(root, offline=offline, look_up=look_up)
    except HfscaffoldError as exc:
        return Status(str(root), "?", 0, 0, None, None, error=exc.message)


def statuses(
    roots: Sequence[Path],
    *,
    offline: bool = False,
    look_up: bool = True,
    jobs: int | None = None,
    done: Callable[[int, int], None] = lambda _n, _total: None,
) -> list[Status]:
    """Every project's line, in the order given. The lookups are uv resolutions that wait on the
    index and on uv's own threads, so several run at once (bounded by ``jobs``, default the number
    of cores, at least 2 and at most 8); ``done(n, total)`` is called as each finishes."""
    import os
    from concurrent.futures import ThreadPoolExecutor, as_completed

    workers = jobs or max(2, min(8, os.cpu_count() or 2))
    results: dict[int, Status] = {}
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(roots)))) as pool:
        futures = {pool.submit(status, root, offline=offline, look_up=look_up): i for i, root in enumerate(roots)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done(len(results), len(roots))
    return [results[i] for i in range(len(roots))]


def _status(root: Path, *, offline: bool, look_up: bool) -> Status:
    project = load_project(root)
    answers = project.root / ANSWERS
    made_with = "unknown"
    if answers.is_file() or answers.is_symlink():
        made_with = str(read_answers(answers).get("hfscaffold_version", "unknown"))[:40]
    template = made_with if made_with == __version__ else f"{made_with} -> {__version__}"
    if not project.lock_file.is_file():
        return Status(str(project.root), template, 0, 0, None, None, error="no uv.lock")
    pins = read_uv_lock(project.lock_text(), source=str(project.lock_file))
    found = evaluate(project.rules(), pins)
    allow = project.allowed_rules()
    violations = [v for v in breakages(found) if v.severity == "error" and v.rule.id not in allow]
    age = (time.time() - project.lock_file.stat().st_mtime) / 86400
    newer: list[str] | None = None
    if look_up:
        from hfscaffold.proposal import ProposalRequest, propose

        try:
            request = ProposalRequest(project=project.root, offline=offline, cooldown="0 days", read_code=False)
            review = propose(request).review
            newer = [
                f"{c.name} {c.old} -> {c.new}"
                for c in review.changes
                if c.level == "patch" and c.name in project.constraints()
            ]
        except HfscaffoldError:
            newer = None
    return Status(str(project.root), template, len(violations), len(advisories(found)), round(age, 1), newer)
