"""``hfscaffold matrix verify``: run a rule's probe in throwaway environments, bad and fixed.

A rule is confirmed when its probe fails in an environment with the bad combination and passes in
one with the preferred fix. Rules whose environments would need torch are skipped: torch from
the index is a multi-GB download, too heavy to install on every verification.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.specifiers import SpecifierSet

from hfscaffold.adapters.environment import run_python
from hfscaffold.adapters.uv import Uv
from hfscaffold.errors import ExternalError
from hfscaffold.knowledge import ABSENT, Rule, Verified

Outcome = Literal["confirmed", "not confirmed", "skipped"]
HEAVY = frozenset({"torch", "tensorflow", "jax", "jaxlib"})


@dataclass(frozen=True)
class ProbeRun:
    pins: dict[str, str]
    passed: bool
    output: str  # the probe's last line of stderr (or a note)


@dataclass(frozen=True)
class Verification:
    rule: Rule
    outcome: Outcome
    reason: str
    bad: ProbeRun | None = None
    fixed: ProbeRun | None = None

    def as_json(self) -> dict[str, object]:
        def run(r: ProbeRun | None) -> dict[str, object] | None:
            return None if r is None else {"packages": r.pins, "probe_passed": r.passed, "output": r.output}

        return {
            "rule": self.rule.id,
            "outcome": self.outcome,
            "reason": self.reason,
            "bad": run(self.bad),
            "fixed": run(self.fixed),
        }

    def record(self, python: str) -> Verified | None:
        if self.outcome != "confirmed" or not self.bad or not self.fixed:
            return None
        names = list(self.rule.when)
        return Verified(
            bad={n: self.bad.pins[n] for n in names if n in self.bad.pins},
            fixed={n: self.fixed.pins[n] for n in names if n in self.fixed.pins},
            python=python,
            on=time.strftime("%Y-%m-%d"),
        )


def combination(rule: Rule, *, fixed: bool) -> list[str]:
    """Requirements for the bad combination, or for it with the preferred fix applied."""
    specs = {name: spec for name, spec in rule.when.items() if spec != ABSENT}
    if fixed:
        for name, spec in rule.fix.prefer.items():
            specs[name] = spec
    return [f"{name}{SpecifierSet(spec)}" for name, spec in specs.items()]


def verify_rule(
    rule: Rule, *, uv: Uv, python: str | None = None, report: Callable[[str], None] = lambda _: None
) -> Verification:
    python = python or sys.executable
    with tempfile.TemporaryDirectory(prefix="hfscaffold-verify-") as tmp:
        work = Path(tmp)
        bad_requirements = combination(rule, fixed=False)
        fixed_requirements = combination(rule, fixed=True)
        try:
            bad_pins = uv.compile(bad_requirements, python=python, cwd=work)
            fixed_pins = uv.compile(fixed_requirements, python=python, cwd=work)
        except ExternalError as exc:
            return Verification(rule, "skipped", f"cannot resolve here: {exc.message}")
        heavy = sorted(HEAVY & (set(bad_pins) | set(fixed_pins)))
        if heavy:
            return Verification(rule, "skipped", f"needs {', '.join(heavy)}")
        if rule.platform and rule.platform != sys.platform:
            return Verification(rule, "skipped", f"applies on {rule.platform} only")
        try:
            report(f"{rule.id}: probing {', '.join(bad_requirements)}")
            bad = _run(uv, bad_pins, rule, python, work / "bad")
            report(f"{rule.id}: probing {', '.join(fixed_requirements)}")
            fixed = _run(uv, fixed_pins, rule, python, work / "fixed")
        except ExternalError as exc:
            return Verification(rule, "skipped", f"cannot install here: {exc.message}")
    if not fixed.passed and _needs_the_network(fixed.output):
        return Verification(
            rule, "skipped", f"the probe needs the Hugging Face Hub or the network ({fixed.output})", bad, fixed
        )
    if not bad.passed and fixed.passed:
        return Verification(
            rule, "confirmed", "the probe fails with the bad combination and passes with the fix", bad, fixed
        )
    if bad.passed:
        return Verification(rule, "not confirmed", "the probe passed with the bad combination", bad, fixed)
    return Verification(rule, "not confirmed", "the probe also failed with the fix", bad, fixed)


def _run(uv: Uv, pins: dict[str, str], rule: Rule, python: str, venv: Path) -> ProbeRun:
    interpreter = uv.create_venv(venv, python=python)
    uv.install(interpreter, [f"{n}=={v}" for n, v in pins.items()])
    completed = run_python(interpreter, rule.probe, cwd=venv, timeout=600)
    lines = (completed.stderr or completed.stdout).strip().splitlines()
    return ProbeRun(pins=pins, passed=completed.returncode == 0, output=lines[-1] if lines else "")


def record_verifications(rule_file: Path, verified: dict[str, Verified]) -> None:
    """Mark rules as verified in their data file (formatting and comments kept)."""
    import tomlkit

    from hfscaffold.adapters.fs import write_atomic

    document = tomlkit.parse(rule_file.read_text(encoding="utf-8"))
    for table in document.get("rule", []):
        result = verified.get(str(table.get("id")))
        if result is None:
            continue
        entry = tomlkit.table()
        entry["bad"] = tomlkit.inline_table()
        entry["bad"].update(result.bad)
        entry["fixed"] = tomlkit.inline_table()
        entry["fixed"].update(result.fixed)
        entry["python"] = result.python
        entry["on"] = result.on
        table["verified"] = entry
    write_atomic(rule_file, tomlkit.dumps(document))


_NETWORK_SIGNS = (
    "Hugging Face Hub",
    "huggingface.co",
    "ConnectionError",
    "Name or service not known",
    "Temporary failure in name resolution",
    "OfflineModeIsEnabled",
)


def _needs_the_network(output: str) -> bool:
    """The probe failed reaching the Hub or the network, so it says nothing about the rule here."""
    return any(sign in output for sign in _NETWORK_SIGNS)
