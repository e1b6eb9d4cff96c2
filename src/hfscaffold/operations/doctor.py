"""``hfscaffold doctor``: is the project's environment exactly what its lock says, and healthy?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from hfscaffold.adapters.environment import EnvironmentReport, inspect_environment_fully, interpreter_of, read_stamp
from hfscaffold.adapters.transaction import pending
from hfscaffold.adapters.uv import Uv, running_python_fits
from hfscaffold.adapters.venv import venv_problem
from hfscaffold.errors import ExternalError, UserError
from hfscaffold.evaluation import Violation, advisories, breakages, evaluate
from hfscaffold.project import Project, inexact_text, load_project


@dataclass(frozen=True)
class Problem:
    kind: str  # lock | exact | drift | stamp | python | matrix | torch | environment
    message: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class DoctorReport:
    project: Path
    problems: list[Problem]
    checked: int = 0
    torch: dict[str, object] | None = None
    violations: list[Violation] = field(default_factory=list)
    advisories: list[Violation] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "project": str(self.project),
            "ok": not self.problems,
            "checked": self.checked,
            "problems": [p.as_json() for p in self.problems],
            "advisories": [v.as_json() for v in self.advisories],
            "torch": self.torch,
        }


def expected_packages(project: Project, uv: Uv, environment: EnvironmentReport) -> dict[str, str]:
    """What the lock installs on this environment's platform and Python (as ``uv sync`` would)."""
    result = uv.run(
        [
            "export",
            "--frozen",
            "--no-hashes",
            "--no-header",
            "--no-annotate",
            "--no-emit-project",
            "--format",
            "requirements-txt",
        ],
        cwd=project.root,
        what="read the lock",
    )
    expected: dict[str, str] = {}
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker and not Marker(str(requirement.marker)).evaluate(environment.markers):
            continue
        for spec in requirement.specifier:
            expected[canonicalize_name(requirement.name)] = spec.version
    return expected


def _stale(project: Project) -> bool:
    """Whether uv.lock is out of step with pyproject.toml, asked of uv's cache only: doctor needs
    no index, and a check uv cannot make there (a package not in its cache) is no finding."""
    try:
        return Uv(offline=True).is_stale(project.root, python=running_python_fits(project))
    except ExternalError:
        return False


def _local_tag(version: str) -> str | None:
    return Version(version).local


def diagnose(root: Path, *, offline: bool = False, deep: bool = False) -> DoctorReport:
    project = load_project(root.absolute())
    problems: list[Problem] = []
    if pending(project.root):
        problems.append(Problem("lock", "an interrupted write is pending: run `hfscaffold lock` to finish it"))
    if not project.lock_file.is_file():
        return DoctorReport(project.root, [Problem("lock", "the project has no uv.lock: run `hfscaffold lock`")])
    if _stale(project):
        problems.append(
            Problem("lock", "uv.lock is stale: pyproject.toml changed since it was locked; run `hfscaffold lock`")
        )
    problems += [Problem("exact", inexact_text(where, r)) for where, r in project.inexact_requirements()]
    foreign = venv_problem(project)
    if foreign:
        # Never run an interpreter from an environment that is not the project's own.
        return DoctorReport(
            project.root, [*problems, Problem("environment", f"not this project's own environment: {foreign}")]
        )
    try:
        interpreter = interpreter_of(project.venv)
    except UserError:
        return DoctorReport(
            project.root, [*problems, Problem("environment", "the project has no environment: run `hfscaffold sync`")]
        )
    stamp = read_stamp(project.venv)
    if stamp is None:
        # Running an interpreter runs its environment's code (.pth files): only one that
        # `hfscaffold sync` built for this project is run.
        return DoctorReport(
            project.root,
            [
                *problems,
                Problem(
                    "stamp",
                    f"{project.venv} is not stamped by `hfscaffold sync`, so it was not inspected: run `hfscaffold sync`",
                ),
            ],
        )
    environment = inspect_environment_fully(interpreter, torch=True)
    installed = environment.pins.as_strings()
    installed.pop(project.name or "", None)  # the project's own package: uv.lock has it as "editable"

    if stamp.get("lock") != project.lock_hash():
        problems.append(Problem("stamp", f"{project.venv} was built from an older uv.lock: run `hfscaffold sync`"))

    if project.requires_python and not project.requires_python.contains(environment.python, prereleases=True):
        problems.append(
            Problem(
                "python",
                f"the environment runs Python {environment.python}, outside requires-python {project.requires_python}",
            )
        )

    expected = expected_packages(project, Uv(offline=offline), environment)
    for name in sorted(set(installed) - set(expected)):
        problems.append(Problem("drift", f"{name}=={installed[name]} is installed but not in the lock"))
    for name in sorted(set(expected) - set(installed)):
        problems.append(Problem("drift", f"{name}=={expected[name]} is in the lock but not installed"))
    for name in sorted(set(expected) & set(installed)):
        if Version(installed[name]) != Version(expected[name]):
            problems.append(Problem("drift", f"{name} is {installed[name]}, the lock says {expected[name]}"))

    allow = project.allowed_rules()
    found = evaluate(project.rules(), environment.pins)
    violations = [v for v in breakages(found) if v.rule.id not in allow]
    for violation in violations:
        if violation.severity == "error":
            versions = ", ".join(f"{n}=={v}" for n, v in violation.packages.items())
            problems.append(Problem("matrix", f"{violation.rule.id}: {versions}: {violation.rule.symptom}"))

    if deep:  # every installed package's imports against what the installed versions define
        from hfscaffold.adapters.site import read_site
        from hfscaffold.deep import find_gaps

        for gap in find_gaps(read_site(environment.site)):
            if gap.severity == "error":
                problems.append(Problem("deep", gap.text()))

    torch = environment.torch
    if torch is not None:
        problems += _torch_problems(project.torch_backend, torch)
    return DoctorReport(
        project.root, problems, checked=len(installed), torch=torch, violations=violations, advisories=advisories(found)
    )


def _torch_problems(backend: str, torch: dict[str, object]) -> list[Problem]:
    version = str(torch.get("version", ""))
    tag = _local_tag(version)
    if backend == "cpu" and tag != "cpu":
        return [Problem("torch", f"torch {version} is installed, but the project asks for the CPU build (+cpu)")]
    if backend.startswith(("cu", "rocm")) and tag != backend:
        return [
            Problem(
                "torch",
                f"torch {version} is installed, but the project asks for the {backend} build (+{backend}): a silent swap",
            )
        ]
    return []
