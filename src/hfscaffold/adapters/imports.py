"""A lock is not done until it imports: import each component in the project's environment and
run its one-line smoke call. No resolver and no ``pip check`` catches a lock that installs but
does not import."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from hfscaffold.adapters.environment import interpreter_of, run_python
from hfscaffold.catalog import load_catalog
from hfscaffold.errors import ExternalError, FindingsError
from hfscaffold.project import Project

# Runs inside the project's interpreter: one import and one smoke call per component.
_SCRIPT = """
import importlib, json, sys, traceback
results = {}
for name, module, smoke in json.loads(sys.argv[1]):
    try:
        namespace = {module: importlib.import_module(module)}
        if smoke:
            eval(smoke, namespace)
        results[name] = None
    except BaseException as exc:
        results[name] = (traceback.format_exception_only(type(exc), exc)[-1]).strip()
print(json.dumps(results))
"""


@dataclass(frozen=True)
class ImportCheck:
    lock: str | None
    failures: dict[str, str]  # component -> the error it raised
    checked: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures

    def record(self) -> dict[str, object]:
        """What ``[tool.hfscaffold] verified`` keeps: the lock it holds for, and the outcome."""
        outcome = "ok" if self.ok else "failed: " + "; ".join(f"{n}: {e}" for n, e in sorted(self.failures.items()))
        return {"lock": self.lock or "", "imports": outcome, "on": time.strftime("%Y-%m-%d")}


def verify_imports(project: Project) -> ImportCheck:
    catalog = load_catalog()
    known = {c.name: c for c in catalog.components}
    plan = [(name, known[name].module, known[name].smoke) for name in project.components if name in known]
    interpreter = interpreter_of(project.venv)
    completed = run_python(interpreter, _SCRIPT, json.dumps(plan), cwd=project.root, timeout=900)
    try:
        results = json.loads(completed.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ExternalError(
            f"could not run the import check in {project.venv}: {last}", hint="run `hfscaffold doctor`"
        ) from None
    failures = {name: error for name, error in results.items() if error}
    return ImportCheck(lock=project.lock_hash(), failures=failures, checked=[name for name, _, _ in plan])


def verify_and_record(project: Project) -> ImportCheck:
    """Verify the imports and record the outcome with the lock hash in ``[tool.hfscaffold] verified``."""
    from hfscaffold.adapters.fs import write_atomic
    from hfscaffold.adapters.venv import carry_stamp
    from hfscaffold.pyproject import set_tool_setting

    result = verify_imports(project)
    before = project.pyproject_hash()
    text = set_tool_setting(project.pyproject.read_text(encoding="utf-8"), "verified", result.record())
    write_atomic(project.pyproject, text)
    carry_stamp(project, before)  # the record changes no dependency: the environment is still in step
    return result


def import_failure(result: ImportCheck, project: Path) -> FindingsError:
    failed = "; ".join(f"{name}: {error}" for name, error in sorted(result.failures.items()))
    return FindingsError(
        f"the lock installs but does not import: {failed}",
        hint=f"run `hfscaffold check --env {project}` for known-bad combinations, then pin around them and `hfscaffold lock`",
    )
