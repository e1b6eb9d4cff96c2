"""``hfscaffold new``: render the template, resolve with uv, pin exactly, build the environment."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from hfscaffold import __version__
from hfscaffold.adapters import render as render_adapter
from hfscaffold.adapters.fs import (
    is_empty_dir,
    make_parents,
    publish_directory,
    remove_created,
    staging_directory,
    sweep_scratch,
    write_atomic,
    write_new,
)
from hfscaffold.adapters.imports import ImportCheck, import_failure, verify_and_record
from hfscaffold.adapters.interpreters import PythonChoice
from hfscaffold.adapters.knowledge_files import builtin_rules
from hfscaffold.adapters.uv import Uv, uv_version
from hfscaffold.adapters.venv import refuse_foreign_environment, stamp
from hfscaffold.catalog import Choice, Task, parse_torch_backend
from hfscaffold.errors import ExternalError, HfscaffoldError, UserError
from hfscaffold.evaluation import Violation
from hfscaffold.knowledge import RuleSet
from hfscaffold.naming import package_name, validate_project_name
from hfscaffold.project import check_project_table, check_python_version_file, load_project
from hfscaffold.pyproject import pin_requirements, set_matrix_constraints, set_tool_setting
from hfscaffold.resolution import Resolution, group_pins, resolve
from hfscaffold.trust import code_it_would_run

StepReporter = Callable[[str], None]


@dataclass(frozen=True)
class NewRequest:
    name: str
    dest: Path
    choices: tuple[Choice, ...]
    python: PythonChoice
    torch_backend: str = "pypi"
    lock: bool = True
    sync: bool = True
    offline: bool = False
    rules: RuleSet = field(default_factory=builtin_rules)
    allow: frozenset[str] = frozenset()
    verify: bool = True  # after syncing, import each component and run its smoke call
    task: Task | None = None  # a task preset: its code is rendered too
    template: str | None = None  # a template of the user's (path or URL) instead of the bundled one
    trust: bool = False  # let that template run Copier tasks and Jinja extensions
    vcs: str = "git"  # git: a repository with a first commit (unless inside one already); none
    dry_run: bool = False  # render and resolve in staging; publish nothing

    def __post_init__(self) -> None:
        validate_project_name(self.name, dependencies={c.name for c in self.choices})
        parse_torch_backend(self.torch_backend)
        if self.task is not None and self.python.minor == "3.10":
            raise UserError(
                "task presets need Python 3.11 or newer (their code reads TOML with tomllib)", hint="use --python 3.11"
            )
        if self.task is not None and not self.task.lightning and any(c.name == "lightning" for c in self.choices):
            raise UserError(
                f"the {self.task.id} preset has no Lightning variant: it has {self.task.trainer}",
                hint="drop --with lightning; every preset that trains has one",
            )
        if self.sync and not self.lock:
            raise UserError("--no-lock needs --no-sync", hint="an environment is only ever built from a lock")
        for rule_id in self.allow:
            self.rules.get(rule_id)  # an unknown id is a typo, not a silent no-op


@dataclass(frozen=True)
class NewResult:
    dest: Path
    package: str
    pins: dict[str, str]
    resolved: int | None
    locked: bool
    synced: bool
    timings: dict[str, float] = field(default_factory=dict)
    steered: dict[str, dict[str, str]] = field(default_factory=dict)  # rule id -> constraint added
    warnings: tuple[Violation, ...] = ()
    allowed: tuple[Violation, ...] = ()
    imports: ImportCheck | None = None
    published: bool = True  # False on a dry run: nothing was written


def answers_for(request: NewRequest) -> dict[str, object]:
    """The Copier answers: recorded in .copier-answers.yml so template updates can replay them."""
    return {
        "project_name": request.name,
        "package_name": package_name(request.name),
        "python_version": request.python.minor,
        "components": [choice.requirement for choice in request.choices],
        "imports": {choice.name: choice.name.replace("-", "_") for choice in request.choices},
        "torch_backend": request.torch_backend,
        "task": request.task.id if request.task else "",
        "metrics": _metrics(request),
        "ui": "streamlit" if any(c.name == "streamlit" for c in request.choices) else "gradio",
        "trainer": "lightning" if any(c.name == "lightning" for c in request.choices) else "transformers",
        "uv_version": uv_version(),
        "hfscaffold_version": __version__,
    }


def _metrics(request: NewRequest) -> str:
    """Where the task code's metrics come from: torchmetrics or evaluate where the project has
    them (evaluate downloads each metric from the Hub on first use), else computed locally."""
    names = {choice.name for choice in request.choices}
    return "torchmetrics" if "torchmetrics" in names else "evaluate" if "evaluate" in names else "local"


def _check_destination(dest: Path) -> None:
    if dest.is_symlink():
        raise UserError(
            f"{dest} is a link: refused (nothing is written through a link)", hint="give the real folder as --dest"
        )
    if len(dest.name.encode()) > 200:
        raise UserError(
            f"the folder name {dest.name[:40]}... is {len(dest.name)} characters long",
            hint="use a name of at most 200 characters",
        )
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest} exists and is not a folder", hint="choose another --dest")
    if dest.is_dir() and not is_empty_dir(dest):
        raise UserError(f"{dest} exists and is not empty", hint="choose another name or --dest; nothing was changed")


def _resolve(project: Path, request: NewRequest, uv: Uv) -> Resolution:
    """uv's resolution of ``project``, steered around the matrix's known-bad combinations."""
    constraints = {c.name: c.specifier for c in request.choices if str(c.specifier)}
    return resolve(
        project,
        uv=uv,
        rules=request.rules,
        constraints=constraints,
        allow=request.allow,
        python=request.python.interpreter,
    )


def _with_interpreter(request: NewRequest, uv: Uv, folder: Path) -> NewRequest:
    if request.python.interpreter == sys.executable:
        return request
    # Found from the project folder (its .python-version counts, as for pyenv users); lock and
    # sync then use this same interpreter.
    found = uv.find_python(request.python.minor, cwd=folder)
    return replace(request, python=replace(request.python, interpreter=found))


def _prerender_pyproject(template: Path, answers: dict[str, object], folder: Path) -> None:
    """Just the project metadata uv needs, from the template's own pyproject.toml.jinja, rendered
    by plain Jinja (milliseconds) so that uv can resolve while Copier renders the whole project."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    (folder / "pyproject.toml").write_text(
        environment.get_template("pyproject.toml.jinja").render(**answers), encoding="utf-8"
    )
    (folder / ".python-version").write_text(f"{answers['python_version']}\n", encoding="utf-8")
    (folder / "README.md").write_text("", encoding="utf-8")


class _InBackground(threading.Thread):
    """Run ``work`` on a thread; ``finish`` waits and hands back its exception, if any."""

    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by finish(), who re-raises it
            self.error = exc

    def finish(self) -> BaseException | None:
        self.join()
        return self.error


def _pin(staging: Path, request: NewRequest, uv: Uv, resolution: Resolution) -> Resolution:
    """Pin uv's versions exactly in pyproject.toml, and lock again."""
    pins: dict[str, str] = {}
    for choice in request.choices:
        version = resolution.pins.version(choice.name)
        if version is None:
            raise ExternalError(f"uv's lock has no version of {choice.name}", hint="rerun with --debug")
        pins[choice.name] = choice.exact_version or str(version)
    # The dependency groups (pytest; the demo's playwright) are pinned too: every requirement
    # hfscaffold writes is exact.
    pyproject = staging / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = pin_requirements(text, {**group_pins(text, resolution.pins), **pins})
    text = set_tool_setting(text, "allow", sorted(request.allow))
    text = set_tool_setting(text, "matrix", request.rules.version)
    text = set_tool_setting(text, "matrix-rules", sorted(resolution.applied))
    write_atomic(pyproject, text)
    result = uv.relock(staging, python=request.python.interpreter)
    return replace(resolution, uv=result, direct=pins)


def _check_template_project(template: str, staging: Path, *, trusted: bool) -> None:
    """The rendered pyproject.toml of a template of the user's: a [project] with dependencies to
    pin, and, unless the user trusts the template, nothing that would run its own code."""
    from hfscaffold import _toml

    pyproject = staging / "pyproject.toml"
    if not pyproject.is_file():
        raise UserError(
            f"the template {template} made no pyproject.toml", hint="hfscaffold locks projects with a [project] table"
        )
    data = _toml.parse(
        pyproject.read_text(encoding="utf-8"), source=f"{template}: pyproject.toml", hint="fix the template"
    )
    reasons = [] if trusted else code_it_would_run(data)
    if not trusted:
        check_python_version_file(staging / ".python-version")
        reasons += [f"its own {name}, which configures uv" for name in ("uv.toml",) if os.path.lexists(staging / name)]
    if reasons:
        raise UserError(
            f"the template {template} would run code of its own when the project is locked or synced: {'; '.join(reasons)}",
            hint="read the template first; pass --trust to let it build and run its code",
        )
    check_project_table(data, f"{template}: pyproject.toml")
    project = data.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("dependencies"), list):
        raise UserError(
            f"the template {template} made a pyproject.toml without a [project] dependencies list",
            hint="the template needs dependencies = [...] in [project], where hfscaffold pins the components",
        )


def create_project(request: NewRequest, *, uv: Uv | None = None, report: StepReporter = lambda _: None) -> NewResult:
    """Make the project at ``request.dest``; on failure leave nothing behind that was not there."""
    dest = request.dest.parent.resolve() / request.dest.name
    request = replace(request, dest=dest)
    _check_destination(dest)
    parents = make_parents(dest)
    try:
        sweep_scratch(dest.parent, dest.name)  # what a killed `new` of the same name left behind
        result = _create(request, uv or Uv(offline=request.offline), report)
    except BaseException:
        remove_created(parents)
        raise
    if request.dry_run:
        remove_created(parents)
    return result


def _create(request: NewRequest, uv: Uv, report: StepReporter) -> NewResult:
    created = not request.dest.exists()
    timings: dict[str, float] = {}
    resolution: Resolution | None = None
    imports: ImportCheck | None = None

    with staging_directory(request.dest) as staging:
        start = time.perf_counter()
        bundled = render_adapter.template_path("project")
        template = request.template or bundled
        answers = answers_for(request)
        if request.lock and request.template is None:
            # Overlap the two slow steps: Copier renders (and imports) on a thread while uv
            # resolves the same project metadata in a scratch folder.
            with staging_directory(request.dest) as scratch:
                _prerender_pyproject(bundled, answers, scratch)
                rendering = _InBackground(
                    lambda: render_adapter.render(template, staging, answers, trust=request.trust)
                )
                rendering.start()
                try:
                    request = _with_interpreter(request, uv, scratch)
                    resolution = _resolve(scratch, request, uv)
                finally:
                    failed = rendering.finish()
                if failed is not None:
                    raise failed
                render_adapter.check_rendered(staging)
                write_new(staging / "uv.lock", (scratch / "uv.lock").read_bytes())
                pyproject = staging / "pyproject.toml"
                write_atomic(
                    pyproject, set_matrix_constraints(pyproject.read_text(encoding="utf-8"), resolution.applied)
                )
            report(f"Rendered the project template while uv resolved, in {time.perf_counter() - start:.2f}s")
        else:
            render_adapter.render(template, staging, answers, trust=request.trust)
            render_adapter.check_rendered(staging)
            if request.template is not None:
                render_adapter.record_source(staging, request.template, request.dest)
            if request.lock and request.template is not None:
                _check_template_project(request.template, staging, trusted=request.trust)
            report(f"Rendered the project template in {time.perf_counter() - start:.2f}s")
            if request.lock:
                request = _with_interpreter(request, uv, staging)
                resolution = _resolve(staging, request, uv)
        timings["render"] = time.perf_counter() - start

        if resolution is not None:
            start = time.perf_counter()
            resolution = _pin(staging, request, uv, resolution)
            timings["resolve"] = timings["render"] + time.perf_counter() - start
            for rule_id, option in resolution.applied.items():
                constraint = ", ".join(f"{n}{s}" for n, s in option.items())
                report(f"Steered around matrix rule {rule_id}: constrained {constraint}")
            resolved = resolution.uv.resolved_count
            count = f"{resolved} packages" if resolved is not None else "the dependencies"
            noun = "component" if len(request.choices) == 1 else "components"
            report(f"Resolved {count} and pinned {len(request.choices)} {noun} in {timings['resolve']:.2f}s")
        if request.dry_run:
            return _result(request, resolution, timings, None, published=False)
        publish_directory(staging, request.dest)
    report(f"Wrote {request.dest.name}/")

    if request.sync:
        start = time.perf_counter()
        try:
            refuse_foreign_environment(load_project(request.dest))
            uv.sync(request.dest, python=request.python.interpreter)
            stamp(load_project(request.dest), f"{request.python.minor}")
        except HfscaffoldError as exc:
            _remove_created(request.dest, created)
            exc.hint = f"{exc.hint}; or pass --no-sync to create the project with its lock only"
            raise
        except BaseException:  # interrupted: leave nothing half-built
            _remove_created(request.dest, created)
            raise
        timings["sync"] = time.perf_counter() - start
        report(f"Built the project environment {request.dest.name}/.venv in {timings['sync']:.2f}s")
        if request.verify:
            start = time.perf_counter()
            imports = verify_and_record(load_project(request.dest))
            timings["verify"] = time.perf_counter() - start
            if not imports.ok:
                raise import_failure(imports, request.dest)
            report(f"Imported {len(imports.checked)} components and ran their smoke calls in {timings['verify']:.2f}s")
    if request.vcs == "git":
        _make_repository(request.dest, report)

    return _result(request, resolution, timings, imports, published=True)


def _result(
    request: NewRequest,
    resolution: Resolution | None,
    timings: dict[str, float],
    imports: ImportCheck | None,
    *,
    published: bool,
) -> NewResult:
    return NewResult(
        dest=request.dest,
        package=package_name(request.name),
        pins=resolution.direct if resolution else {},
        resolved=resolution.uv.resolved_count if resolution else None,
        locked=request.lock and published,
        synced=request.sync and published,
        timings=timings,
        steered=resolution.applied if resolution else {},
        warnings=tuple(resolution.warnings) if resolution else (),
        allowed=tuple(resolution.allowed) if resolution else (),
        imports=imports,
        published=published,
    )


def _make_repository(dest: Path, report: StepReporter) -> None:
    """A git repository with the project as its first commit, as ``uv init`` makes one (and not
    inside an existing repository), so that ``update`` has a clean tree to merge into from day one."""
    from hfscaffold.adapters.git import first_commit, inside_repository

    if inside_repository(dest.parent):
        report("Made no git repository: the project is inside one already")
        return
    try:
        own = first_commit(dest, f"Create {dest.name} with hfscaffold {__version__}")
    except ExternalError as exc:  # git missing or failing: the project itself is complete
        report(f"Made no git repository ({exc.message}); pass --vcs none to skip this")
        return
    who = "" if own else " (as hfscaffold: git has no user.name/user.email configured)"
    report(f"Made a git repository with a first commit{who}")


def _remove_created(dest: Path, created: bool) -> None:
    """Undo a published project: remove the folder we made, or empty the one the user gave."""
    shutil.rmtree(dest, ignore_errors=True)
    if not created:
        dest.mkdir(parents=True, exist_ok=True)
