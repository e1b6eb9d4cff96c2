"""Resolve with uv, check the result against the matrix, and steer around what it refuses.

The loop: lock; evaluate the error rules on what uv picked; for each violation add the first fix
of the rule that agrees with the user's own constraints as a uv constraint (commented with the
rule id in pyproject.toml); lock again. Bounded, and honest when no clean resolution exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import SpecifierSet

from hfscaffold.adapters.fs import write_atomic
from hfscaffold.adapters.uv import Uv, UvResult
from hfscaffold.errors import ExternalError, FindingsError
from hfscaffold.evaluation import Violation, breakages, evaluate
from hfscaffold.knowledge import RuleSet
from hfscaffold.pins import PinSet, read_uv_lock
from hfscaffold.pyproject import (
    group_requirement_names,
    pin_requirements,
    read_matrix_constraints,
    set_matrix_constraints,
)
from hfscaffold.ranges import compatible

TYPE_CHECKING = False  # not typing's: a lock imports this module, and typing costs it time
if TYPE_CHECKING:
    from packaging.requirements import Requirement

MAX_ROUNDS = 6


@dataclass(frozen=True)
class Resolution:
    pins: PinSet
    applied: dict[str, dict[str, str]]  # rule id -> the constraint written for it
    warnings: list[Violation]
    allowed: list[Violation]  # error rules the user chose to accept with --allow
    uv: UvResult
    rounds: int = 1
    direct: dict[str, str] = field(default_factory=dict)  # the exact pins written for direct requirements


def _refusal(violation: Violation, constraints: Mapping[str, SpecifierSet]) -> FindingsError:
    rule = violation.rule
    mine = ", ".join(f"{name}{constraints[name]}" for name in rule.when if name in constraints) or "your choices"
    found = ", ".join(f"{n}=={v}" for n, v in violation.packages.items())
    fixes = " or ".join(", ".join(f"{n}{s}" for n, s in option.items()) for option in rule.fix.options())
    where = f" on {violation.where}" if violation.where else ""
    narrow = "; or narrow requires-python to the Pythons you run" if violation.where and rule.python else ""
    return FindingsError(
        f"{mine} hits matrix rule {rule.id} ({found}){where}: {rule.summary}. Users see: {rule.symptom}",
        hint=f"choose {fixes}{narrow}; or pass --allow {rule.id} to keep it anyway (see {rule.references[0]})",
    )


def resolve(
    project: Path,
    *,
    uv: Uv,
    rules: RuleSet | Callable[[], RuleSet],
    constraints: Mapping[str, SpecifierSet],
    allow: frozenset[str] = frozenset(),
    python: str | None = None,
    lock_args: tuple[str, ...] = (),
    keep_previous: bool = True,
    known: tuple[str, PinSet] | None = None,
    first: Callable[[], UvResult] | None = None,
) -> Resolution:
    """Lock ``project`` so that no error rule fires (except those in ``allow``). ``rules`` may be
    a function that gives them, called once uv's first lock is in: the caller loads the knowledge
    while uv resolves. ``known`` is a uv.lock text already read, with its pins: where uv leaves
    the lock as that text (a lock with nothing to do), it is not parsed again. ``first`` gives
    the first round's ``uv lock`` (no arguments beyond ``python``), where the caller started it
    before this module was even imported."""
    assert first is None or (keep_previous and not lock_args), "a first round started early is a plain lock"
    pyproject = project / "pyproject.toml"
    original = pyproject.read_text(encoding="utf-8")
    # Constraints an earlier lock added stay while the pins they were made for do (keep_previous);
    # an upgrade moves the pins, so it starts clean and the matrix decides afresh.
    previous = read_matrix_constraints(original) if keep_previous else {}
    if not keep_previous and read_matrix_constraints(original):
        write_atomic(pyproject, set_matrix_constraints(original, {}))
    applied: dict[str, dict[str, str]] = dict(previous)
    tried: dict[str, int] = {rule_id: 0 for rule_id in applied}  # rule id -> index of the fix option in use
    for round_number in range(1, MAX_ROUNDS + 1):
        try:
            if first is not None:
                started, first = first, None  # taken once, even when it failed
                result = started()
            else:
                result = uv.lock(project, python=python, extra=lock_args)
        except ExternalError as exc:
            if previous and applied == previous:
                # The pins changed under an earlier lock's constraints: let the matrix decide afresh.
                previous, applied, tried = {}, {}, {}
                write_atomic(pyproject, set_matrix_constraints(original, {}))
                continue
            if not applied:
                raise  # no fix of ours is in the way: uv's own reason stands
            # A fix the matrix added made resolution impossible: try a rule's other fix, once.
            switched = _switch_to_alternative(rules() if callable(rules) else rules, applied, tried, constraints)
            if switched is None:
                names = ", ".join(sorted(applied))
                raise FindingsError(
                    f"no clean resolution: the fixes of matrix rules {names} cannot hold with your choices ({exc.message})",
                    hint="loosen your own versions (--with, pyproject.toml, the file adopted), or pass --allow RULE for a rule you accept",
                ) from exc
            write_atomic(pyproject, set_matrix_constraints(original, applied))
            continue
        text = (project / "uv.lock").read_text(encoding="utf-8")
        pins = (
            known[1] if known is not None and known[0] == text else read_uv_lock(text, source=str(project / "uv.lock"))
        )
        if callable(rules):
            rules = rules()
        found = breakages(evaluate(rules, pins))  # advisories are reported by check, not repaired
        errors = [v for v in found if v.severity == "error" and v.rule.id not in allow]
        if not errors:
            return Resolution(
                pins=pins,
                applied=applied,
                warnings=[v for v in found if v.severity == "warning"],
                allowed=[v for v in found if v.severity == "error" and v.rule.id in allow],
                uv=result,
                rounds=round_number,
            )
        progressed = False
        for violation in errors:
            rule = violation.rule
            if rule.id in applied:
                continue  # its constraint is in place; uv will honour it next round
            options = rule.fix.options()
            usable = [i for i, option in enumerate(options) if compatible(option, constraints)]
            if not usable:
                raise _refusal(violation, constraints)
            tried[rule.id] = usable[0]
            applied[rule.id] = options[usable[0]]
            progressed = True
        if not progressed:
            ids = ", ".join(v.rule.id for v in errors)
            raise FindingsError(
                f"matrix rules {ids} still fire after their fixes were applied", hint="report this with --debug output"
            )
        write_atomic(pyproject, set_matrix_constraints(original, applied))
    raise FindingsError(f"no clean resolution within {MAX_ROUNDS} rounds", hint="pin the packages named above yourself")


def _switch_to_alternative(
    rules: RuleSet, applied: dict[str, dict[str, str]], tried: dict[str, int], constraints: Mapping[str, SpecifierSet]
) -> str | None:
    """Move the most recently applied rule that has an unused compatible fix to that fix."""
    known = {rule.id: rule for rule in rules}
    for rule_id in reversed(list(applied)):
        if rule_id not in known:  # a constraint from a rule that is no longer in the matrix
            continue
        options = known[rule_id].fix.options()
        for index in range(tried[rule_id] + 1, len(options)):
            if compatible(options[index], constraints):
                tried[rule_id] = index
                applied[rule_id] = options[index]
                return rule_id
    return None


def exact_line(requirement: Requirement, version: str) -> str:
    """``requirement`` pinned ``==`` ``version``, its extras and marker kept."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    marker = f"; {requirement.marker}" if requirement.marker else ""
    return f"{requirement.name}{extras}=={version}{marker}"


def pin_resolved(
    scratch: Path, written: dict[str, str], resolution: Resolution, uv: Uv, python: str | None
) -> dict[str, str]:
    """Write ``==`` the version uv picked for each requirement added with a range, and lock again."""
    from packaging.requirements import Requirement  # its marker machinery: only for who writes pins

    pins: dict[str, str] = {}
    for name, line in written.items():
        if not line:
            continue
        requirement = Requirement(line)
        if any(s.operator in ("==", "===") and "*" not in s.version for s in requirement.specifier):
            continue  # the user's own exact pin
        versions = resolution.pins.versions(name)
        if len(versions) != 1:
            raise ExternalError(
                f"uv's lock has {len(versions)} versions of {name} (one per platform or Python), so no single pin",
                hint=f"pin it exactly yourself: `{name}==X`",
            )
        pins[name] = str(versions[0])
    if not pins:
        return written
    text = pin_requirements((scratch / "pyproject.toml").read_text(encoding="utf-8"), pins)
    write_atomic(scratch / "pyproject.toml", text)
    uv.relock(scratch, python=python)
    return {**written, **{n: exact_line(Requirement(written[n]), v) for n, v in pins.items()}}


def group_pins(text: str, pins: PinSet) -> dict[str, str]:
    """The version uv locked of each tool the dependency groups of ``text`` name (pytest, the
    demo's playwright), where the lock has one: what is written ``==`` beside the components."""
    found: dict[str, str] = {}
    for name in group_requirement_names(text):
        versions = pins.versions(name)
        if len(versions) == 1:
            found[name] = str(versions[0])
    return found
