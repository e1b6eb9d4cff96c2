"""``hfscaffold check``: a pin set (lock, requirements, environment) against the matrix."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import Version

from hfscaffold.errors import FindingsError, UserError
from hfscaffold.matrix import RuleSet, Violation, advisories, breakages, evaluate, load_rules
from hfscaffold.pins import PinSet, file_includes, read_pins, sniff
from hfscaffold.project import load_project
from hfscaffold.targets import requested


@dataclass(frozen=True)
class CheckRequest:
    target: str  # a path, or "-" for standard input
    environment: bool = False
    python: Path | None = None
    rule_files: tuple[Path, ...] = ()
    fail_on_advisories: bool = False
    python_version: str | None = None  # X.Y: the target of a requirements file, or a lock's targets kept
    python_platform: str | None = None  # linux, macos, windows (uv pip compile's names)


@dataclass(frozen=True)
class CheckResult:
    pins: PinSet
    rules: RuleSet
    violations: list[Violation]
    allowed: list[Violation]  # error rules the project accepted with --allow: shown, not failed
    advisories: list[Violation]  # published CVE/GHSA advisories that affect the pinned versions
    fail_on_advisories: bool = False

    @property
    def errors(self) -> list[Violation]:
        failing = [*self.violations, *(self.advisories if self.fail_on_advisories else [])]
        return [v for v in failing if v.severity == "error"]

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
    from hfscaffold.adapters.environment import inspect_environment, interpreter_of

    folder = Path(request.target) if request.target != "-" else Path.cwd()
    if (folder / "pyproject.toml").is_file():
        project = load_project(folder)
        rules, allow = project.rules(request.rule_files), project.allowed_rules()
    else:
        rules, allow = load_rules(request.rule_files), frozenset()

    if request.environment or request.python:
        if request.target == "-":
            raise UserError("--env checks an environment, not standard input", hint="drop - or --env")
        if request.python is None:
            _refuse_foreign_venv(folder / ".venv")
        pins = inspect_environment(request.python or interpreter_of(folder / ".venv"))
    elif request.target == "-":
        pins = sniff(sys.stdin.read(), source="<stdin>", include=file_includes(Path.cwd()))
    else:
        pins = read_pins(Path(request.target))
    pins = for_targets(pins, request.python_version, request.python_platform)
    found = evaluate(rules, pins)
    broken = breakages(found)
    allowed = [v for v in broken if v.rule.id in allow]
    return CheckResult(
        pins=pins, rules=rules, violations=[v for v in broken if v not in allowed], allowed=allowed,
        advisories=advisories(found), fail_on_advisories=request.fail_on_advisories,
    )  # fmt: skip
