"""``hfscaffold check``: a pin set (lock, requirements, environment) against the matrix."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from hfscaffold import _toml
from hfscaffold.errors import UserError
from hfscaffold.matrix import RuleSet, Violation, evaluate, load_rules
from hfscaffold.pins import PinSet, read_pins, sniff


@dataclass(frozen=True)
class CheckRequest:
    target: str  # a path, or "-" for standard input
    environment: bool = False
    python: Path | None = None
    rule_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    pins: PinSet
    rules: RuleSet
    violations: list[Violation]
    allowed: list[Violation]  # error rules the project accepted with --allow: shown, not failed

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.rule.severity == "error"]

    def as_json(self) -> dict[str, object]:
        return {
            "checked": len(self.pins),
            "violations": [v.as_json() for v in self.violations],
            "allowed": [v.as_json() for v in self.allowed],
        }


@dataclass(frozen=True)
class ProjectSettings:
    rule_files: tuple[Path, ...] = ()
    allow: frozenset[str] = frozenset()


def project_settings(project: Path) -> ProjectSettings:
    """``[tool.hfscaffold]`` of a project: its own rule files (``rules = "compat.toml"``) and
    the rules it accepted (``allow = [...]``)."""
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        return ProjectSettings()
    try:
        data = _toml.loads(pyproject.read_text(encoding="utf-8"))
    except _toml.TOMLDecodeError as exc:
        raise UserError(f"{pyproject}: not valid TOML: {exc}", hint="fix the file's syntax") from None
    table = data.get("tool", {}).get("hfscaffold", {})
    files = table.get("rules", [])
    files = [files] if isinstance(files, str) else files
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise UserError(f"{pyproject}: [tool.hfscaffold] rules must be a path or a list of paths", hint='e.g. rules = "compat.toml"')
    allow = table.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
        raise UserError(f"{pyproject}: [tool.hfscaffold] allow must be a list of rule ids", hint='e.g. allow = ["rule-id"]')
    return ProjectSettings(tuple(project / f for f in files), frozenset(allow))


def check(request: CheckRequest) -> CheckResult:
    from hfscaffold.adapters.environment import inspect_environment, interpreter_of

    folder = Path(request.target) if request.target != "-" else Path.cwd()
    settings = project_settings(folder) if folder.is_dir() else ProjectSettings()
    rules = load_rules([*settings.rule_files, *request.rule_files])

    if request.environment or request.python:
        if request.target == "-":
            raise UserError("--env checks an environment, not standard input", hint="drop - or --env")
        pins = inspect_environment(request.python or interpreter_of(folder / ".venv"))
    elif request.target == "-":
        pins = sniff(sys.stdin.read(), source="<stdin>")
    else:
        pins = read_pins(Path(request.target))
    found = evaluate(rules, pins)
    allowed = [v for v in found if v.rule.id in settings.allow]
    return CheckResult(pins=pins, rules=rules, violations=[v for v in found if v not in allowed], allowed=allowed)
