"""``hfscaffold check``: a pin set (lock, requirements, environment) against the matrix."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from hfscaffold.adapters.knowledge_files import load_rules
from hfscaffold.errors import ExternalError, FindingsError, HfscaffoldError, UserError
from hfscaffold.evaluation import Violation, advisories, breakages, evaluate, undecided
from hfscaffold.knowledge import Rule, RuleSet
from hfscaffold.pins import PinSet, file_includes, read_pins, read_requirements, sniff
from hfscaffold.targets import Target, requested

# check is the command of pre-commit hooks and CI: what only some checks need (a project's
# settings, an environment, the deep check) is imported where it is used.
if TYPE_CHECKING:
    from packaging.version import Version

    from hfscaffold.deep import Gap
    from hfscaffold.requirements import NotEvaluated, RequirementsFile


@dataclass(frozen=True)
class CheckRequest:
    target: str  # a path, or "-" for standard input
    environment: bool = False
    python: Path | None = None
    rule_files: tuple[Path, ...] = ()
    fail_on_advisories: bool = False
    python_version: str | None = None  # X.Y: the target of a requirements file, or a lock's targets kept
    python_platform: str | None = None  # linux, macos, windows (uv pip compile's names)
    resolve: bool = True  # check a requirements file as installing it gives (uv pip compile)
    deep: bool = False  # with an environment: check every package's imports against the installed ones
    offline: bool = False  # resolve from uv's cache only


@dataclass(frozen=True)
class CheckResult:
    pins: PinSet
    rules: RuleSet
    violations: list[Violation]
    allowed: list[Violation]  # error rules the project accepted with --allow: shown, not failed
    advisories: list[Violation]  # published CVE/GHSA advisories that affect the pinned versions
    fail_on_advisories: bool = False
    resolved: bool = False  # a requirements file was checked through its resolution
    undecided: list[tuple[Rule, dict[str, str], list[str]]] = field(default_factory=list)
    not_evaluated: tuple[NotEvaluated, ...] = ()
    gaps: list[Gap] | None = None  # the deep check's findings, when it ran

    @property
    def errors(self) -> list[Violation]:
        failing = [*self.violations, *(self.advisories if self.fail_on_advisories else [])]
        return [v for v in failing if v.severity == "error"]

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(g.severity == "error" for g in self.gaps or ())

    @property
    def evaluated_for(self) -> str:
        """The targets evaluated, in words."""
        if self.pins.targets:
            count = len(self.pins.targets)
            return f"{count} target{'s' * (count != 1)}"
        return self.pins.target.label

    def as_json(self) -> dict[str, object]:
        return {
            "checked": len(self.pins),
            "targets": [t.target.label for t in self.pins.targets] or [self.pins.target.label],
            "violations": [v.as_json() for v in self.violations],
            "allowed": [v.as_json() for v in self.allowed],
            "advisories": [v.as_json() for v in self.advisories],
            "resolved": self.resolved,
            "undecided": [
                {"rule": rule.id, "severity": rule.severity, "matching": matching, "unknown": unknown}
                for rule, matching, unknown in self.undecided
            ],
            "not_evaluated": [{"line": n.where, "text": n.text, "reason": n.reason} for n in self.not_evaluated],
            "deep": None if self.gaps is None else [g.as_json() for g in self.gaps],
        }


def _refuse_foreign_venv(venv: Path) -> None:
    """The folder's own environment is inspected by running its interpreter: never one that links
    elsewhere or came with a clone (``--python`` names an interpreter on purpose)."""
    from hfscaffold.adapters.environment import layout_problem
    from hfscaffold.adapters.git import tracks_anything_under

    reason = layout_problem(venv)
    if reason is None and venv.is_dir() and tracks_anything_under(venv.parent, ".venv"):
        reason = f"{venv} is part of the repository (git tracks files in it)"
    if reason:
        raise FindingsError(
            f"refusing to run an interpreter of an environment that is not the folder's own: {reason}",
            hint="build it with `hfscaffold sync`, or name an interpreter with --python PATH",
        )


def for_targets(pins: PinSet, python_version: str | None, python_platform: str | None) -> PinSet:
    """The pins as the asked targets install them: a requirements file on one target (the host's,
    or the one ``--python-version``/``--python-platform`` name); a lock on each of its targets,
    or those of them the options name; an environment as it is."""
    if pins.kind == "environment":
        if python_version or python_platform:
            raise UserError(
                "an environment is its own target: --python-version and --python-platform do not apply",
                hint="drop them, or check a lock or requirements file",
            )
        return pins
    wanted = requested(python_version, python_platform)
    if pins.kind == "requirements":
        return pins.on(wanted)
    if not (python_version or python_platform):
        return pins
    kept = tuple(
        t for t in pins.targets
        if (python_platform is None or t.platform == wanted.platform)
        and (python_version is None or _minor(t.python) == _minor(wanted.python))
    )  # fmt: skip
    if not kept:
        raise UserError(
            f"{pins.source} serves no {wanted.label if python_platform and python_version else 'such'} target",
            hint="check its requires-python and environments, or drop --python-version/--python-platform",
        )
    return replace(pins, expand=lambda: kept)


def _minor(version: Version | None) -> tuple[int, int] | None:
    return (version.major, version.minor) if version is not None else None


def check(request: CheckRequest) -> CheckResult:
    folder = Path(request.target) if request.target != "-" else Path.cwd()
    if (folder / "pyproject.toml").is_file():
        from hfscaffold.project import load_project

        project = load_project(folder)
        rules, allow = project.rules(request.rule_files), project.allowed_rules()
    else:
        rules, allow = load_rules(request.rule_files), frozenset()

    gaps = None
    if request.deep and not (request.environment or request.python):
        raise UserError(
            "--deep reads an installed environment", hint="add --env (the project's .venv) or --python PATH"
        )
    if request.environment or request.python:
        if request.target == "-":
            raise UserError("--env checks an environment, not standard input", hint="drop - or --env")
        from hfscaffold.adapters.environment import inspect_environment_fully, interpreter_of

        if request.python is None:
            _refuse_foreign_venv(folder / ".venv")
        report = inspect_environment_fully(request.python or interpreter_of(folder / ".venv"))
        pins = report.pins
        if request.deep:
            from hfscaffold.adapters.site import read_site
            from hfscaffold.deep import find_gaps

            gaps = find_gaps(read_site(report.site))
    elif request.target == "-":
        pins = sniff(sys.stdin.read(), source="<stdin>", include=file_includes(Path.cwd()))
    else:
        pins = read_pins(Path(request.target))
    pins = for_targets(pins, request.python_version, request.python_platform)
    origin = pins.origin
    resolved = origin is not None and request.resolve
    if resolved:
        assert origin is not None
        pins = resolve_requirements(pins, origin, offline=request.offline)
    found = evaluate(rules, pins)
    if origin is not None:
        found = [_with_provenance(v, origin) for v in found]
    broken = breakages(found)
    allowed = [v for v in broken if v.rule.id in allow]
    left_open = []
    if origin is not None and not resolved:
        left_open = [
            u for u in undecided(rules, pins, origin.unpinned) if u[0].kind == "breakage" and u[0].id not in allow
        ]
    return CheckResult(
        pins=pins, rules=rules, violations=[v for v in broken if v not in allowed], allowed=allowed,
        advisories=advisories(found), fail_on_advisories=request.fail_on_advisories, resolved=resolved,
        undecided=left_open, not_evaluated=origin.not_evaluated if origin is not None else (), gaps=gaps,
    )  # fmt: skip


def resolve_requirements(pins: PinSet, origin: RequirementsFile, *, offline: bool) -> PinSet:
    """What installing the file gives on the pins' target: uv resolves it (its index options and
    constraints honoured, nothing built), and every version is then known. Pins that contradict
    the packages' metadata are a finding (exit 1) with uv's reason."""
    from hfscaffold.adapters.fs import user_scratch
    from hfscaffold.adapters.uv import Uv
    from hfscaffold.targets import uv_platform

    target = pins.target
    assert target.python is not None
    requirements, constraints = origin.resolution_input()
    with user_scratch("resolve") as work:
        try:
            text = Uv(offline=offline).compile_requirements(
                requirements, constraints, python_version=f"{target.python.major}.{target.python.minor}",
                python_platform=uv_platform(target), cwd=work,
            )  # fmt: skip
        except ExternalError as exc:
            raise _resolution_error(exc, origin, target) from None
    resolved = read_requirements(text, source=origin.source)
    return replace(resolved.on(target), origin=origin)


_SOURCE_ONLY = re.compile(r"all versions of (\S+) have no usable wheels|(\S+) has no usable wheels")


def _resolution_error(exc: ExternalError, origin: RequirementsFile, target: Target) -> HfscaffoldError:
    """uv's failure as what it means here: a package that only ships source archives (building
    it would run its code, and check builds nothing), pins no install can satisfy, or uv or the
    index failing."""
    reason = exc.message.removeprefix("uv could not resolve the requirements: ")
    source_only = _SOURCE_ONLY.search(exc.detail or exc.message)
    if source_only:
        name = next(group for group in source_only.groups() if group)
        return ExternalError(
            f"cannot resolve {origin.source} without building {name} from source: {reason}",
            hint="check builds nothing (that would run the package's code): pin a version that has wheels, "
            "or check the pins alone with --no-resolve",
        )
    if "No solution found" in (exc.detail or "") or "unsatisfiable" in reason:
        return FindingsError(
            f"{origin.source} cannot be installed on {target.label}: {reason}",
            hint="change the pins uv names; `hfscaffold check --no-resolve` checks the pins as they are",
        )
    exc.hint = f"{exc.hint or 'check the connection to the index'}; --no-resolve checks the pins alone, offline"
    return exc


def _with_provenance(violation: Violation, origin: RequirementsFile) -> Violation:
    """Say which of the violation's packages the file does not pin: their versions are what a
    fresh install gets today, not what the file chose."""
    exact = {line.name for line in origin.exact}
    unpinned = origin.unpinned
    notes = [
        f"{name} is not pinned ({unpinned[name]}): a fresh install gets {version}" if name in unpinned
        else f"{name} is not in {origin.source}: a fresh install gets {version}"
        for name, version in violation.packages.items() if name not in exact
    ]  # fmt: skip
    return replace(violation, notes=(*violation.notes, *notes)) if notes else violation
