"""Text renderings of results for the terminal (JSON renderings live on the results themselves)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TYPE_CHECKING = False  # not typing's: its import is more than a no-op lock's own code costs
if TYPE_CHECKING:
    from hfscaffold.evaluation import Violation
    from hfscaffold.knowledge import Rule
    from hfscaffold.operations.check import CheckResult


def steered_line(rule_id: str, option: Mapping[str, str]) -> str:
    return f"Steered around matrix rule {rule_id}: constrained " + ", ".join(f"{n}{s}" for n, s in option.items())


def locked_line(count: int | None, seconds: float, changed: Iterable[str]) -> str:
    written = ", ".join(changed) or "nothing changed"
    return f"Locked {count if count is not None else 'all'} packages in {seconds:.2f}s ({written})"


def fix_text(rule: Rule) -> str:
    options = [", ".join(f"{name}{spec}" for name, spec in option.items()) for option in rule.fix.options()]
    return options[0] + (f" (or {options[1]})" if len(options) > 1 else "")


def violation_lines(violation: Violation, *, allowed: bool = False) -> list[str]:
    rule = violation.rule
    found = ", ".join(f"{name}=={version}" for name, version in violation.packages.items())
    label = f"allowed {violation.severity}" if allowed else violation.severity
    if rule.kind == "advisory":
        label = f"advisory ({violation.severity})"
        found = f"{found} ({', '.join(rule.advisories)})"
    where = f" ({violation.where})" if violation.where else ""
    return [
        f"{label}: {rule.id}: {found}{where}",
        f"  {rule.summary}",
        *([f"  only if you use {rule.affects}"] if rule.affects else []),
        *(f"  {note}" for note in violation.notes),
        *([f"  mined from the wheels: {rule.fix.evidence}"] if rule.mined else []),
        f"  users see: {rule.symptom}",
        f"  fix: {fix_text(rule)}",
        f"  see: {rule.references[0]}",
    ]


def check_summary(checked: int, source: str, rules: int, violations: Iterable[Violation], advisories: int = 0) -> str:
    found = list(violations)
    errors = sum(v.severity == "error" for v in found)
    warnings = len(found) - errors
    verdict = (
        "no known-bad combination"
        if not found
        else f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    )
    if advisories:
        verdict += f"; {advisories} security advisor{'ies' if advisories != 1 else 'y'}"
    return f"Checked {checked} packages from {source} against {rules} rules: {verdict}"


def check_report(result: CheckResult, *, quiet: bool) -> list[str]:
    """``hfscaffold check``'s text: each finding (a block of lines), then the summary."""
    blocks = [
        *("\n".join(violation_lines(v)) for v in result.violations),
        *("\n".join(violation_lines(v, allowed=True)) for v in result.allowed),
        *("\n".join(violation_lines(v)) for v in result.advisories),
    ]
    for rule, matching, unknown in result.undecided:
        found = ", ".join(f"{n}=={v}" for n, v in matching.items())
        blocks.append(
            f"undecided ({rule.severity}): {rule.id}: {found} match; the version of {', '.join(unknown)} is unknown"
            " (not pinned); without --no-resolve, check decides it"
        )
    blocks += [f"not evaluated: {line}" for line in result.not_evaluated]
    blocks += [f"{gap.severity}: deep: {gap.text()}" for gap in result.gaps or ()]
    if not quiet:
        source = f"{result.pins.source} ({result.evaluated_for})"
        summary = check_summary(len(result.pins), source, len(result.rules), result.violations, len(result.advisories))
        blocks.append(summary)
    return blocks


def rule_lines(rule: Rule) -> list[str]:
    lines = [
        f"{rule.id} ({rule.severity}{', advisory ' + ', '.join(rule.advisories) if rule.kind == 'advisory' else ''})",
        f"  {rule.summary}",
        "  when: " + ", ".join(f"{n} {s}" for n, s in rule.when.items()),
    ]
    if rule.python:
        lines.append(f"  python: {rule.python}")
    if rule.platform:
        lines.append(f"  platform: {rule.platform}")
    if rule.affects:
        lines.append(f"  only if you use {rule.affects}")
    lines += [f"  users see: {rule.symptom}", f"  fix: {fix_text(rule)}"]
    if rule.fix.note:
        lines.append(f"  note: {rule.fix.note}")
    lines.append(f"  probe: {rule.probe}")
    if rule.verified:
        v = rule.verified
        bad = ", ".join(f"{n}=={x}" for n, x in v.bad.items())
        fixed = ", ".join(f"{n}=={x}" for n, x in v.fixed.items())
        lines.append(f"  verified {v.on} on Python {v.python}: fails with {bad}; passes with {fixed}")
    lines += [f"  see: {url}" for url in rule.references]
    return lines
