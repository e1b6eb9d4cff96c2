"""An upgrade proposal: a new lock resolved away from the project, and its review. Shared by
``upgrade`` (which may then apply it) and ``status`` (which counts the patch releases it finds).

The proposal is resolved on a scratch copy: the chosen pins are opened up to what the policy
allows, releases younger than the cooldown are excluded (uv's ``exclude-newer``), a fresh
``x.y.0`` of an HF package is held back until its first patch release, and the matrix checks and
repairs the result. What the cooldown holds back is uv's answer without it, asked at the same
time as the proposal's own resolution. The project is not touched at all.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from hfscaffold import _toml
from hfscaffold.adapters.fs import copy_project_files, scratch_directory, write_atomic
from hfscaffold.adapters.uv import Uv, running_python_fits
from hfscaffold.catalog import load_catalog
from hfscaffold.code_review import code_breaks
from hfscaffold.errors import ExternalError, FindingsError, UserError
from hfscaffold.pins import PinSet, read_uv_lock
from hfscaffold.policy import Policy, family_of, parse_cooldown
from hfscaffold.project import Project, load_project
from hfscaffold.pyproject import read_matrix_constraints, set_matrix_constraints
from hfscaffold.resolution import Resolution, resolve
from hfscaffold.review import HeldBack, Review, advisory_review, diff

DEFAULT_COOLDOWN = "7 days"
_HOLD_COMMENT = "hfscaffold upgrade: hold"


@dataclass(frozen=True)
class ProposalRequest:
    project: Path
    packages: tuple[str, ...] = ()
    policy: Policy = Policy.PATCH
    offline: bool = False
    cooldown: str | None = None  # None: the project's setting, else 7 days; "0 days" turns it off
    read_code: bool = True  # review the proposal against the project's own Python files
    rule_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Proposal:
    review: Review
    resolution: Resolution | None = None  # None when the matrix blocked it
    lock: str | None = None  # the proposal's uv.lock (resolved with the cooldown)

    @property
    def applicable(self) -> bool:
        return self.resolution is not None and not self.review.blocked and bool(self.review.changes)


def upload_times(lock_text: str) -> dict[str, datetime]:
    """When each locked version's newest file was uploaded (uv records it in uv.lock)."""
    times: dict[str, datetime] = {}
    for package in _toml.loads(lock_text).get("package", []):
        stamps = [
            a.get("upload-time")
            for a in [package.get("sdist") or {}, *package.get("wheels", [])]
            if isinstance(a, dict)
        ]
        parsed = [datetime.fromisoformat(str(s).replace("Z", "+00:00")) for s in stamps if s]
        if parsed:
            times[canonicalize_name(package["name"])] = max(parsed)
    return times


def _targets(request: ProposalRequest, project: Project, current: PinSet) -> set[str]:
    direct = set(project.constraints())
    if not request.packages:
        return direct
    named: set[str] = {canonicalize_name(name) for name in request.packages}
    for name in sorted(named):
        if name not in current.packages:
            raise UserError(
                f"{name} is not in the lock", hint="name packages that uv.lock holds, or none to upgrade every pin"
            )
        present = {member for member in family_of(name) if member in current.packages}
        missing = sorted(present - named)
        if missing:
            together = " ".join(sorted(present))
            raise UserError(
                f"{name} moves with {', '.join(missing)}: they are released together and only work at matching versions",
                hint=f"upgrade them as one unit (`hfscaffold upgrade {together}`) or not at all",
            )
    return named


def _scratch_pyproject(
    project: Project, current: PinSet, targets: set[str], policy: Policy, holds: dict[str, str]
) -> tuple[str, dict[str, SpecifierSet]]:
    """The project's pyproject.toml with the targets opened up to the policy's range."""
    import tomlkit

    document = tomlkit.parse(project.pyproject.read_text(encoding="utf-8"))
    ranges: dict[str, SpecifierSet] = {}
    dependencies = document["project"]["dependencies"]
    for index, line in enumerate(list(dependencies)):
        requirement = Requirement(str(line))
        name = canonicalize_name(requirement.name)
        version = current.version(name)
        if name in targets and version is not None:
            ranges[name] = policy.allowed(version)
            dependencies[index] = f"{requirement.name}{ranges[name]}"
    extra: list[tuple[str, str]] = []
    for target in sorted(targets - set(ranges)):  # named transitive packages: bounded by a constraint
        locked = current.version(target)
        if locked is not None:
            ranges[target] = policy.allowed(locked)
            extra.append((f"{target}{ranges[target]}", f"{_HOLD_COMMENT} policy"))
    extra += [(f"{held}{spec}", f"{_HOLD_COMMENT} x.y.0") for held, spec in sorted(holds.items())]
    if extra:
        tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
        uv = tool.setdefault("uv", tomlkit.table())
        lines = uv.get("constraint-dependencies")
        if lines is None:
            lines = tomlkit.array()
            uv["constraint-dependencies"] = lines
        for line, comment in extra:
            lines.add_line(line, comment=comment)
        lines.multiline(True)
    return tomlkit.dumps(document), ranges


def _lock_args(request: ProposalRequest, targets: set[str], cooldown: str | None, current_lock: str) -> list[str]:
    args = (
        ["--upgrade"] if not request.packages else [a for name in sorted(targets) for a in ("--upgrade-package", name)]
    )
    if cooldown:
        cutoff = datetime.now(timezone.utc) - parse_cooldown(cooldown)
        args += ["--exclude-newer", cooldown]
        # A version already locked stays available even when it is younger than the cooldown.
        for name, uploaded in sorted(upload_times(current_lock).items()):
            if uploaded > cutoff:
                args += ["--exclude-newer-package", f"{name}=false"]
    return args


def propose(request: ProposalRequest, *, report: Callable[[str], None] = lambda _: None) -> Proposal:
    """Resolve and review the proposal; the project is read, never written (not even a lock file)."""
    root = request.project.absolute()
    project = load_project(root)
    if not project.lock_file.is_file():
        raise FindingsError(f"{root} has no uv.lock", hint="run `hfscaffold lock` first")
    current_text = project.lock_text()
    current = read_uv_lock(current_text, source=str(project.lock_file))
    targets = _targets(request, project, current)
    rules = project.rules(request.rule_files)
    setting = project.settings.cooldown
    cooldown_text = request.cooldown if request.cooldown is not None else (setting or DEFAULT_COOLDOWN)
    cooldown = cooldown_text if parse_cooldown(cooldown_text) > timedelta(0) else None
    hold_zero = project.settings.hold_x_y_0 == "until-patch"
    hf = {c.name for c in load_catalog().components if c.family == "hf"}
    uv = Uv(offline=request.offline)
    base = Review(changes=[], policy=request.policy.value, matrix=rules.version, cooldown=cooldown)

    holds: dict[str, str] = {}
    held: list[HeldBack] = []
    python = running_python_fits(project)  # no search of PATH (a pyenv shim costs uv 0.5 s a call)
    # Every uv call below waits on the index, none on another's work: the pool runs them at once.
    with scratch_directory(root) as scratch, ThreadPoolExecutor(max_workers=3) as pool:
        copy_project_files(root, scratch)
        probe = _Probe(request, targets, current_text, python, uv)
        early: tuple[str, Future[PinSet | None]] | None = None
        for _ in range(12):  # each round may hold back more fresh x.y.0 releases
            text, ranges = _scratch_pyproject(project, current, targets, request.policy, holds)
            if read_matrix_constraints(text):  # the matrix decides afresh on the moved pins
                text = set_matrix_constraints(text, {})
            write_atomic(scratch / "pyproject.toml", text)  # a probe's uv may be reading it
            shutil.copy2(project.lock_file, scratch / "uv.lock")  # preferences: nothing else moves
            if early is None and cooldown:
                # What the cooldown holds back is asked of uv beside the resolution, from this
                # first text; asked again below only where x.y.0 holds or the matrix changed it.
                early = (text, pool.submit(probe.lock, probe.folder(scratch / "cooldown-probe", text)))
            try:
                resolution = resolve(
                    scratch, uv=uv, rules=rules, constraints=ranges, allow=project.allowed_rules(),
                    lock_args=tuple(_lock_args(request, targets, cooldown, current_text)), keep_previous=False,
                    python=python,
                )  # fmt: skip
            except FindingsError as exc:
                return Proposal(review=Review(**{**base.__dict__, "blocked": [exc.message]}))
            fresh = (
                {
                    name: str(version)
                    for name in hf
                    if (version := resolution.pins.version(name)) is not None
                    and version != current.version(name)
                    and version.release[2:3] == (0,)
                    and len(version.release) >= 3
                    and not version.is_prerelease
                }
                if hold_zero
                else {}
            )
            if not fresh:
                break
            for package, release in fresh.items():
                holds[package] = ",".join(filter(None, [holds.get(package, ""), f"!={release}"]))
                held.append(
                    HeldBack(package, release, "a new x.y.0 of an HF package waits for its first patch release")
                )
        made = _Made(request, scratch, uv, current_text, targets, resolution, cooldown, python)
        changes = diff(current, resolution.pins)
        final = (scratch / "pyproject.toml").read_text(encoding="utf-8")
        unbounded = (
            None
            if early is None
            else early[1]
            if early[0] == final
            else pool.submit(probe.lock, probe.folder(scratch / "cooldown-reprobe", final))
        )
        by_pins = pool.submit(_held_by_pins, made, project, holds)
        reading = (
            pool.submit(code_breaks, root, changes, uv=uv, scratch=scratch / "code") if request.read_code else None
        )
        if unbounded is not None and cooldown:
            held += _held_by_cooldown(unbounded.result(), resolution, cooldown)
        held += by_pins.result()
        breaks = reading.result() if reading is not None else []
        fixed, remaining = advisory_review(rules, current, resolution.pins)
        review = Review(
            changes=changes,
            policy=request.policy.value,
            held_back=held,
            applied=resolution.applied,
            warnings=resolution.warnings,
            blocked=_family_split(current, resolution.pins),
            matrix=rules.version,
            cooldown=cooldown,
            advisories_fixed=fixed,
            advisories_remaining=remaining,
            code_breaks=breaks,
        )
        return Proposal(review=review, resolution=resolution, lock=(scratch / "uv.lock").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class _Made:
    """A proposal as resolved, with what resolved it: what the probe of holding pins needs."""

    request: ProposalRequest
    scratch: Path
    uv: Uv
    current_text: str
    targets: set[str]
    resolution: Resolution
    cooldown: str | None
    python: str | None


class _Probe:
    """uv's answer to "and without the cooldown?", for the proposal being resolved."""

    def __init__(self, request: ProposalRequest, targets: set[str], current_text: str, python: str | None, uv: Uv):
        self.args = _lock_args(request, targets, None, current_text)
        self.current_text, self.python, self.uv = current_text, python, uv

    def folder(self, folder: Path, pyproject_text: str) -> Path:
        """A copy of the scratch project (``folder`` is inside it) with ``pyproject_text``, and the
        project's own lock as uv's preferences; made before the scratch changes again."""
        folder.mkdir()
        copy_project_files(folder.parent, folder)
        (folder / "pyproject.toml").write_text(pyproject_text, encoding="utf-8")
        (folder / "uv.lock").write_text(self.current_text, encoding="utf-8")
        return folder

    def lock(self, folder: Path) -> PinSet | None:
        """The lock of ``folder`` with the proposal's upgrade arguments but no cooldown; None
        where it does not resolve. It depends on the folder's text alone, so it may run before
        the proposal itself is resolved."""
        try:
            self.uv.lock(folder, extra=self.args, python=self.python)
        except ExternalError:
            return None
        return read_uv_lock((folder / "uv.lock").read_text(encoding="utf-8"))


def _held_by_cooldown(unbounded: PinSet | None, resolution: Resolution, cooldown: str) -> list[HeldBack]:
    """What the proposal would move to without the cooldown: those releases are held back."""
    if unbounded is None:
        return []  # without the cooldown it does not resolve: nothing is held back by it
    held = []
    for package in sorted(unbounded.packages):
        newer, chosen = unbounded.version(package), resolution.pins.version(package)
        if newer is not None and chosen is not None and newer > chosen:
            held.append(HeldBack(package, str(newer), f"released less than {cooldown} ago (cooldown)"))
    return held


def _held_by_pins(made: _Made, project: Project, holds: dict[str, str]) -> list[HeldBack]:
    """A package named for upgrade that did not move as far as the policy allows may be held by
    another of the project's pins (transformers by ``tokenizers==0.19.1``): resolve once more with every pin opened to the
    policy (with the same x.y.0 holds), and name the pins that move with it and the command that
    moves them together."""
    request, scratch, uv, current_text, targets, resolution, cooldown = (
        made.request, made.scratch, made.uv, made.current_text, made.targets, made.resolution, made.cooldown
    )  # fmt: skip
    current = read_uv_lock(current_text)
    named = sorted(targets) if request.packages else []
    if not named:
        return []
    everything = set(project.constraints()) | targets
    probe = scratch / "pin-probe"
    probe.mkdir()
    copy_project_files(scratch, probe)
    text, _ = _scratch_pyproject(project, current, everything, request.policy, holds)
    (probe / "pyproject.toml").write_text(text, encoding="utf-8")
    (probe / "uv.lock").write_text(current_text, encoding="utf-8")
    opened_request = replace(request, packages=tuple(sorted(everything)))
    try:
        uv.lock(probe, extra=_lock_args(opened_request, everything, cooldown, current_text), python=made.python)
    except ExternalError:
        return []  # even opened up it does not resolve: nothing to say about pins
    opened = read_uv_lock((probe / "uv.lock").read_text(encoding="utf-8"))
    held = []
    for name in named:
        chosen, newer = resolution.pins.version(name), opened.version(name)
        holders = sorted(p for p in everything - targets if opened.version(p) != current.version(p))
        if chosen is None or newer is None or newer <= chosen or not holders:
            continue
        pins = ", ".join(f"{h}=={current.version(h)}" for h in holders)
        command = f"hfscaffold upgrade {' '.join(sorted({name, *holders}))} --policy {request.policy.value}"
        held.append(HeldBack(name, str(newer), f"held at {chosen} by the pin {pins}: `{command}` moves them together"))
    return held


def _family_split(current: PinSet, proposal: PinSet) -> list[str]:
    blocked = []
    for name in ("torch",):
        members = sorted(m for m in family_of(name) if m in current.packages and m in proposal.packages)
        moved = [m for m in members if current.version(m) != proposal.version(m)]
        if moved and len(moved) != len(members):
            still = sorted(set(members) - set(moved))
            blocked.append(
                f"{', '.join(moved)} would move without {', '.join(still)}; they are released together and only move as one unit"
            )
    return blocked
