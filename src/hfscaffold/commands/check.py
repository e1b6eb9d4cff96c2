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

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.rule.severity == "error"]

    def as_json(self) -> dict[str, object]:
        return {"checked": len(self.pins), "violations": [v.as_json() for v in self.violations]}


def project_rule_files(project: Path) -> list[Path]:
    """``[tool.hfscaffold] rules = "compat.toml"`` (or a list) in a project's pyproject.toml."""
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        return []
    try:
        data = _toml.loads(pyproject.read_text(encoding="utf-8"))
    except _toml.TOMLDecodeError as exc:
        raise UserError(f"{pyproject}: not valid TOML: {exc}", hint="fix the file's syntax") from None
    value = data.get("tool", {}).get("hfscaffold", {}).get("rules", [])
    files = [value] if isinstance(value, str) else value
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise UserError(f"{pyproject}: [tool.hfscaffold] rules must be a path or a list of paths", hint='e.g. rules = "compat.toml"')
    return [project / f for f in files]


def check(request: CheckRequest) -> CheckResult:
    from hfscaffold.adapters.environment import inspect_environment, interpreter_of

    folder = Path(request.target) if request.target != "-" else Path.cwd()
    rule_files = [*request.rule_files]
    if folder.is_dir():
        rule_files = [*project_rule_files(folder), *rule_files]
    rules = load_rules(rule_files)

    if request.environment or request.python:
        if request.target == "-":
            raise UserError("--env checks an environment, not standard input", hint="drop - or --env")
        pins = inspect_environment(request.python or interpreter_of(folder / ".venv"))
    elif request.target == "-":
        pins = sniff(sys.stdin.read(), source="<stdin>")
    else:
        pins = read_pins(Path(request.target))
    return CheckResult(pins=pins, rules=rules, violations=evaluate(rules, pins))
