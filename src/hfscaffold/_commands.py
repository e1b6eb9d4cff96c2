"""The commands behind ``hfscaffold``: each parses its options, calls one function, renders the
result. Imported only when a command runs, so that ``hfscaffold --help`` starts fast."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hfscaffold.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])


class Output:
    """Progress and results; progress goes to stderr so stdout stays machine-readable.

    On a terminal, long steps show a spinner (rich); elsewhere only the finished steps print.
    """

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._status: Any = None

    def step(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    @contextmanager
    def working(self, message: str) -> Iterator[None]:
        if self.quiet or not sys.stderr.isatty():
            yield
            return
        from rich.console import Console

        with Console(stderr=True).status(message):
            yield


@click.command()
@click.argument("name")
@click.option(
    "--with",
    "with_",
    multiple=True,
    metavar="ITEMS",
    help="Components, comma separated, repeatable: NAME, NAME==X.Y.Z or any PEP 440 specifier.",
)
@click.option(
    "--task", "task", metavar="TASK", help="A task preset (e.g. text-classification): components and runnable code."
)
@click.option("--python", "python", metavar="X.Y", help="Python minor version [default: the running one].")
@click.option("--dest", type=click.Path(path_type=Path, file_okay=False), help="Folder to create [default: ./NAME].")
@click.option(
    "--torch",
    "torch_backend",
    default="pypi",
    show_default=True,
    metavar="BACKEND",
    help="Where torch comes from: pypi, cpu, cuXYZ (e.g. cu128) or rocmX.Y.",
)
@click.option("--no-sync", is_flag=True, help="Lock only; do not build the environment.")
@click.option("--no-lock", is_flag=True, help="Render only; no resolution (implies nothing is synced).")
@click.option("--no-verify", is_flag=True, help="After syncing, skip importing each component.")
@click.option("--offline", is_flag=True, help="Resolve from uv's cache only.")
@click.option(
    "--template", "template", metavar="PATH_OR_URL", help="Render your own Copier template instead of the bundled one."
)
@click.option("--trust", is_flag=True, help="Let --template run Copier tasks and Jinja extensions.")
@click.option(
    "--allow", "allow", multiple=True, metavar="RULE_ID", help="Accept a matrix rule your own pins hit (recorded)."
)
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def new(
    name: str,
    with_: tuple[str, ...],
    task: str | None,
    python: str | None,
    dest: Path | None,
    torch_backend: str,
    no_sync: bool,
    no_lock: bool,
    no_verify: bool,
    offline: bool,
    template: str | None,
    trust: bool,
    allow: tuple[str, ...],
    rule_files: tuple[Path, ...],
    quiet: bool,
    output_format: str,
) -> None:
    """Create project NAME with exact pins, a uv lock and its own environment.

    \b
    Examples:
      hfscaffold new my-bert-project --with transformers,datasets,accelerate
      hfscaffold new demo --task text-classification
    """
    from hfscaffold.catalog import choose, load_tasks, split_with_items
    from hfscaffold.matrix import load_rules
    from hfscaffold.operations.new import NewRequest, PythonChoice, create_project

    out = Output(quiet=quiet or output_format == "json")
    preset = load_tasks().get(task) if task else None
    request = NewRequest(
        name=name,
        dest=(dest or Path(name)).absolute(),
        choices=tuple(choose(split_with_items(with_), task=preset)),
        task=preset,
        python=PythonChoice.from_request(python),
        torch_backend=torch_backend,
        lock=not no_lock,
        sync=not (no_sync or no_lock),
        offline=offline,
        rules=load_rules(rule_files),
        allow=frozenset(allow),
        verify=not no_verify,
        template=template,
        trust=trust,
    )
    with out.working("Rendering, resolving with uv and checking the matrix"):
        result = create_project(request, report=out.step)
    if output_format == "json":
        import json

        click.echo(
            json.dumps(
                {
                    "project": str(result.dest),
                    "package": result.package,
                    "pins": result.pins,
                    "resolved": result.resolved,
                    "locked": result.locked,
                    "synced": result.synced,
                    "timings": {k: round(v, 3) for k, v in result.timings.items()},
                    "steered": result.steered,
                    "warnings": [v.as_json() for v in result.warnings],
                    "allowed": [v.as_json() for v in result.allowed],
                },
                indent=2,
            )
        )
        return
    if not quiet:
        from hfscaffold.output import violation_lines

        for violation in result.warnings:
            click.echo("\n".join(violation_lines(violation)), err=True)
        for violation in result.allowed:
            click.echo("\n".join(violation_lines(violation, allowed=True)), err=True)
        for component, version in result.pins.items():
            click.echo(f" + {component}=={version}")
        where = click.format_filename(_shown(result.dest))
        next_step = "uv run pytest" if result.synced else "uv sync --locked && uv run pytest"
        click.echo(f"Created {where}. Next: cd {where} && {next_step}")


@click.command()
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def components(output_format: str) -> None:
    """List the components hfscaffold knows (the HF stack and its companions)."""
    from hfscaffold.catalog import load_catalog, load_tasks

    catalog = load_catalog()
    tasks = load_tasks()
    if output_format == "json":
        import json

        rows: list[dict[str, Any]] = [c.model_dump() for c in catalog.components]
        click.echo(json.dumps({"components": rows, "tasks": [t.model_dump() for t in tasks.tasks]}, indent=2))
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("component", "family", "aliases", "torch", "description"):
        table.add_column(column, overflow="fold")
    for c in catalog.components:
        table.add_row(c.name, c.family, ", ".join(c.aliases), "yes" if c.needs_torch else "", c.description)
    console = _console()
    console.print(table)
    presets = Table(box=None, pad_edge=False, title="tasks (hfscaffold new NAME --task TASK)", title_justify="left")
    for column in ("task", "components", "description"):
        presets.add_column(column, overflow="fold")
    for t in tasks.tasks:
        presets.add_row(t.id, ", ".join(t.components), t.summary)
    console.print()
    console.print(presets)


@click.command()
@click.argument("target", default=".", metavar="[PATH | -]")
@click.option("--env", "environment", is_flag=True, help="Check the installed environment (the project's .venv).")
@click.option(
    "--python", "python", type=click.Path(path_type=Path, dir_okay=False), help="Check this interpreter's environment."
)
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
@click.option("--fail-on-advisories", is_flag=True, help="Exit 1 on a security advisory of error severity too.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(
    target: str,
    environment: bool,
    python: Path | None,
    rule_files: tuple[Path, ...],
    fail_on_advisories: bool,
    output_format: str,
) -> None:
    """Check pins against the compatibility matrix: a project, uv.lock, pylock.toml or requirements.

    PATH is a project folder (default: the current one), a uv.lock, a pylock.toml, or a
    requirements / pip freeze file; - reads one of those from standard input. Exit 1 when an
    error rule fires.
    """
    from hfscaffold.operations.check import CheckRequest
    from hfscaffold.operations.check import check as run_check

    request = CheckRequest(
        target=target,
        environment=environment,
        python=python,
        rule_files=rule_files,
        fail_on_advisories=fail_on_advisories,
    )
    result = run_check(request)
    if output_format == "json":
        import json

        click.echo(json.dumps(result.as_json(), indent=2))
    else:
        from hfscaffold.output import check_summary, violation_lines

        for violation in result.violations:
            click.echo("\n".join(violation_lines(violation)))
        for violation in result.allowed:
            click.echo("\n".join(violation_lines(violation, allowed=True)))
        for violation in result.advisories:
            click.echo("\n".join(violation_lines(violation)))
        summary = check_summary(
            len(result.pins), result.pins.source, len(result.rules), result.violations, len(result.advisories)
        )
        click.echo(summary)
    if result.errors:
        click.get_current_context().exit(ExitCode.FINDINGS)


def _project_option(function: F) -> F:
    return click.option(
        "--project",
        "project",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("."),
        show_default=True,
        help="The project folder.",
    )(function)


@click.command()
@_project_option
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; exit 1 if uv.lock is stale or breaks a matrix rule."
)
@click.option("--offline", is_flag=True, help="Resolve from uv's cache only.")
@click.option("--pylock", is_flag=True, help="Also write pylock.toml (PEP 751) for pip users.")
@click.option("--verify", is_flag=True, help="Then sync and import every component in the project's environment.")
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def lock(
    project: Path,
    check_only: bool,
    offline: bool,
    pylock: bool,
    verify: bool,
    rule_files: tuple[Path, ...],
    quiet: bool,
    output_format: str,
) -> None:
    """Regenerate uv.lock from pyproject.toml, steered by the matrix, written atomically.

    Exact pins are kept and nothing is upgraded. With --check nothing changes: exit 1 when the
    lock is stale for pyproject.toml or breaks a matrix rule (for CI and pre-commit).
    """
    import json

    from hfscaffold.operations.lock import LockRequest, check_lock, lock_project
    from hfscaffold.output import violation_lines

    request = LockRequest(project=project, offline=offline, pylock=pylock, verify=verify, rule_files=rule_files)
    out = Output(quiet=quiet or output_format == "json")
    if check_only:
        verdict = check_lock(request)
        if output_format == "json":
            click.echo(json.dumps({
                "project": str(verdict.project), "ok": verdict.ok, "stale": verdict.stale,
                "violations": [v.as_json() for v in verdict.violations], "allowed": [v.as_json() for v in verdict.allowed],
            }, indent=2))  # fmt: skip
        else:
            for violation in verdict.violations:
                click.echo("\n".join(violation_lines(violation)))
            if verdict.stale:
                click.echo(f"stale: {verdict.stale}; run `hfscaffold lock`")
            if verdict.ok and not quiet:
                click.echo("uv.lock is current and clean against the matrix")
        if not verdict.ok:
            click.get_current_context().exit(ExitCode.FINDINGS)
        return
    with out.working("Resolving with uv and checking the matrix"):
        result = lock_project(request, report=out.step)
    for rule_id, option in result.resolution.applied.items():
        out.step(
            f"Steered around matrix rule {rule_id}: constrained " + ", ".join(f"{n}{s}" for n, s in option.items())
        )
    for violation in result.resolution.warnings:
        out.step("\n".join(violation_lines(violation)))
    if output_format == "json":
        click.echo(json.dumps({
            "project": str(result.project), "changed": result.changed, "steered": result.resolution.applied,
            "resolved": result.resolution.uv.resolved_count, "recovered": result.recovered,
            "imports": result.imports.record() if result.imports else None,
        }, indent=2))  # fmt: skip
        return
    count = result.resolution.uv.resolved_count
    written = ", ".join(result.changed) if result.changed else "nothing changed"
    out.step(f"Locked {count if count is not None else 'all'} packages in {result.timings['lock']:.2f}s ({written})")
    if result.imports is not None:
        out.step(f"Synced and imported {len(result.imports.checked)} components: the lock works")


@click.command()
@_project_option
@click.option("--offline", is_flag=True, help="Install from uv's cache only.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def sync(project: Path, offline: bool, quiet: bool, output_format: str) -> None:
    """Build the project's own environment (.venv) exactly from uv.lock, and stamp it.

    Refuses (exit 1) an environment that is not the project's own: an active virtualenv or
    conda env, UV_PROJECT_ENVIRONMENT, a .venv that links elsewhere or belongs to another project.
    """
    from hfscaffold.operations.sync import sync_project

    out = Output(quiet=quiet or output_format == "json")
    with out.working("Building the environment with uv"):
        result = sync_project(project, offline=offline, report=out.step)
    if output_format == "json":
        import json

        click.echo(
            json.dumps(
                {"project": str(result.project), "stamp": result.stamp, "seconds": round(result.seconds, 3)}, indent=2
            )
        )
        return
    out.step(f"Synced {_shown(result.project / '.venv')} from uv.lock in {result.seconds:.2f}s")


@click.command()
@_project_option
@click.option("--offline", is_flag=True, help="Read the lock from uv's cache only.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def doctor(project: Path, offline: bool, output_format: str) -> None:
    """Check the project's environment: drift from the lock, stamp, Python, matrix, torch build.

    Exit 1 on any problem; `hfscaffold sync` repairs drift.
    """
    from hfscaffold.operations.doctor import diagnose
    from hfscaffold.output import fix_text

    report = diagnose(project, offline=offline)
    if output_format == "json":
        import json

        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        for problem in report.problems:
            click.echo(f"{problem.kind}: {problem.message}")
        if report.torch:
            t = report.torch
            if t.get("error"):
                click.echo(f"torch {t.get('version')}: could not inspect its build ({t['error']})")
            else:
                build = f"CUDA {t.get('cuda')}" if t.get("cuda") else "CPU"
                usable = "usable" if t.get("cuda_available") else "not usable here"
                click.echo(f"torch {t.get('version')}: {build} build; CUDA {usable}")
        for advisory in report.advisories:
            rule = advisory.rule
            click.echo(f"advisory ({rule.severity}): {rule.id} ({', '.join(rule.advisories)}): fix: {fix_text(rule)}")
        if not report.problems:
            click.echo(f"{_shown(report.project / '.venv')} matches uv.lock ({report.checked} packages); no problems")
    if report.problems:
        click.get_current_context().exit(ExitCode.FINDINGS)


@click.command()
@click.argument("packages", nargs=-1, metavar="[PACKAGE ...]")
@_project_option
@click.option(
    "--policy",
    type=click.Choice(["patch", "minor", "major"]),
    default="patch",
    show_default=True,
    help="How far pins may move.",
)
@click.option(
    "--cooldown",
    metavar="DURATION",
    help='Hold back releases younger than this [default: the project\'s, else "7 days"; "0 days" turns it off].',
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the review (Markdown; JSON for *.json).",
)
@click.option("--format", "output_format", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
@click.option(
    "--apply", "apply_", is_flag=True, help="Write the new pins and lock (atomically); without it nothing changes."
)
@click.option("--offline", is_flag=True, help="Resolve from uv's cache only.")
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
def upgrade(
    packages: tuple[str, ...],
    project: Path,
    policy: str,
    cooldown: str | None,
    report_file: Path | None,
    output_format: str,
    apply_: bool,
    offline: bool,
    rule_files: tuple[Path, ...],
) -> None:
    """Propose an upgrade of PACKAGEs (default: every pin) with a review report.

    The proposal is resolved away from the project, checked and repaired by the matrix, and
    explained: what moved, how far, release notes, what was held back and why. Nothing changes
    without --apply. Exit 1 when the matrix blocks the proposal.
    """
    from hfscaffold.operations.upgrade import UpgradeRequest
    from hfscaffold.operations.upgrade import upgrade as run_upgrade
    from hfscaffold.policy import parse_policy

    out = Output(quiet=output_format != "text")
    request = UpgradeRequest(
        project=project, packages=packages, policy=parse_policy(policy), apply=apply_, offline=offline,
        cooldown=cooldown, rule_files=rule_files,
    )  # fmt: skip
    with out.working("Resolving the proposal with uv"):
        result = run_upgrade(request, report=out.step)
    _emit_review(result.review, output_format, report_file, title="Dependency upgrade proposal")
    if result.applied:
        out.step(f"Applied: wrote {', '.join(result.changed)}")
    elif apply_ and not result.review.blocked and result.review.changes:
        out.step("Nothing was written")
    if result.review.blocked:
        click.get_current_context().exit(ExitCode.FINDINGS)


@click.command()
@_project_option
@click.option(
    "--from-template",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The template the project was made with, when it is not bundled.",
)
@click.option("--no-lock", is_flag=True, help="Only merge the template; do not lock again.")
@click.option("--offline", is_flag=True, help="Lock from uv's cache only.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def update(project: Path, from_template: Path | None, no_lock: bool, offline: bool, output_format: str) -> None:
    """Bring the project to the current template, keeping its answers and your edits.

    Copier's update: a three-way merge of the old template, the new one and your project;
    conflicts are shown inline and reported (exit 1). Then the project is locked again.
    The project must be under git with no uncommitted changes.
    """
    from hfscaffold.operations.lock import LockRequest, lock_project
    from hfscaffold.operations.update import require_no_conflicts, update_project

    out = Output(quiet=output_format == "json")
    result = update_project(project, from_template=from_template, report=out.step)
    if output_format == "json":
        import json

        click.echo(json.dumps({
            "project": str(result.project), "from": result.from_version, "to": result.to_version,
            "up_to_date": result.up_to_date, "changed": result.changed, "conflicts": result.conflicts,
        }, indent=2))  # fmt: skip
    if result.up_to_date:
        out.step(f"Already on the template of hfscaffold {result.to_version}")
        return
    for path in result.changed:
        out.step(f" ~ {path}")
    require_no_conflicts(result)
    if not no_lock:
        locked = lock_project(LockRequest(project=project, offline=offline), report=out.step)
        out.step(f"Locked again ({', '.join(locked.changed) or 'nothing changed'})")
    out.step(f"Updated to the template of hfscaffold {result.to_version}: review with `git diff`, then commit")


@click.command()
@click.argument("package")
@_project_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def why(package: str, project: Path, output_format: str) -> None:
    """Explain why PACKAGE is at its version: who requires it, which matrix rule constrains it."""
    from hfscaffold.operations.explain import why as explain

    result = explain(project, package)
    if output_format == "json":
        import json

        click.echo(json.dumps(result.as_json(), indent=2))
        return
    click.echo(f"{result.package} {', '.join(result.versions)}")
    click.echo(
        f"  pinned by the project: {result.direct}" if result.direct else "  not a direct requirement of the project"
    )
    for owner in result.required_by:
        click.echo(f"  required by {owner}")
    for line in result.constraints:
        click.echo(f"  constrained to {line}")
    for line in result.advisories:
        click.echo(f"  advisory {line}")
    if result.policy:
        click.echo(f"  {result.policy}")


@click.command()
@click.argument("projects", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option("--offline", is_flag=True, help="Look up newer releases in uv's cache only.")
@click.option("--no-index", "no_index", is_flag=True, help="Do not look up newer patch releases at all.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(projects: tuple[Path, ...], offline: bool, no_index: bool, output_format: str) -> None:
    """One line per project: template lag, matrix findings, newer patch releases, lock age."""
    from hfscaffold.operations.explain import status as project_status

    rows = [project_status(p, offline=offline, look_up=not no_index) for p in (projects or (Path("."),))]
    broken = [r for r in rows if r.error]
    if output_format == "json":
        import json

        click.echo(json.dumps({"projects": [r.as_json() for r in rows]}, indent=2))
        if broken:
            click.get_current_context().exit(ExitCode.BAD_INPUT)
        return
    for r in rows:
        if r.error:
            click.echo(f"{r.project}: error: {r.error}")
            continue
        patches = "?" if r.newer_patches is None else str(len(r.newer_patches))
        age = "?" if r.lock_age_days is None else f"{r.lock_age_days:g} days"
        click.echo(
            f"{r.project}: template {r.template}; {r.violations} matrix errors; {r.advisories} advisories; "
            f"{patches} pins with a newer patch release; lock {age} old"
        )
    if broken:
        click.get_current_context().exit(ExitCode.BAD_INPUT)  # a project that cannot be read is bad input


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
def diff_command(old: Path, new: Path, output_format: str) -> None:
    """Review the change between two pin sets (uv.lock, pylock.toml, requirements).

    \b
    Example, for a lock changed in a pull request:
      git show main:uv.lock > old.lock && hfscaffold diff old.lock uv.lock
    """
    from hfscaffold.matrix import builtin_rules
    from hfscaffold.pins import read_pins
    from hfscaffold.review import Review, advisory_review, diff

    before, after = read_pins(old), read_pins(new)
    fixed, remaining = advisory_review(builtin_rules(), before, after)
    review = Review(changes=diff(before, after), advisories_fixed=fixed, advisories_remaining=remaining)
    _emit_review(review, output_format, None, title=f"Changes from {old.name} to {new.name}")


def _emit_review(review: Any, output_format: str, report_file: Path | None, *, title: str) -> None:
    import json

    from hfscaffold import report

    if report_file is not None:
        from hfscaffold.adapters.fs import write_atomic

        body = (
            json.dumps(review.as_json(), indent=2) + "\n"
            if report_file.suffix == ".json"
            else report.markdown(review, title=title)
        )
        write_atomic(report_file.absolute(), body)
    if output_format == "json":
        click.echo(json.dumps(review.as_json(), indent=2))
    elif output_format == "md":
        click.echo(report.markdown(review, title=title), nl=False)
    else:
        _console().print(report.table(review))


@click.group()
def matrix() -> None:
    """The compatibility matrix: known-bad combinations of the HF stack, with evidence."""


@matrix.command("list")
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def matrix_list(rule_files: tuple[Path, ...], output_format: str) -> None:
    """List every rule (JSON gives every field)."""
    from hfscaffold.matrix import load_rules

    rules = load_rules(rule_files)
    if output_format == "json":
        import json

        click.echo(json.dumps({"rules": [r.model_dump(mode="json") for r in rules]}, indent=2))
        return
    from rich.table import Table

    from hfscaffold.output import fix_text

    table = Table(box=None, pad_edge=False)
    for column in ("rule", "kind", "sev", "when", "fix", "verified"):
        table.add_column(column, overflow="fold")
    for r in rules:
        when = ", ".join(f"{n}{s}" if s != "absent" else f"no {n}" for n, s in r.when.items())
        table.add_row(r.id, r.kind, r.severity, when, fix_text(r), r.verified.on if r.verified else "")
    console = _console()
    console.print(table)
    console.print(f"{len(rules)} rules; `hfscaffold matrix show ID` for one rule with its evidence")


@matrix.command("show")
@click.argument("rule_id")
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def matrix_show(rule_id: str, rule_files: tuple[Path, ...], output_format: str) -> None:
    """Show one rule: versions, symptom, fix, probe and references."""
    from hfscaffold.matrix import load_rules
    from hfscaffold.output import rule_lines

    rule = load_rules(rule_files).get(rule_id)
    if output_format == "json":
        import json

        click.echo(json.dumps(rule.model_dump(mode="json"), indent=2))
        return
    click.echo("\n".join(rule_lines(rule)))


@matrix.command("verify")
@click.argument("rule_ids", nargs=-1, metavar="[ID ...]")
@click.option(
    "--python", "python", metavar="PYTHON", help="Interpreter for the throwaway environments [default: this one]."
)
@click.option(
    "--record", is_flag=True, help="Mark confirmed rules as verified in the rule file, with the versions used."
)
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def matrix_verify(
    rule_ids: tuple[str, ...], python: str | None, record: bool, rule_files: tuple[Path, ...], output_format: str
) -> None:
    """Run rule probes in throwaway environments: the bad combination must fail, the fix pass.

    Rules whose environments need torch are skipped. Exit 1 when a rule is not confirmed.
    """
    import platform

    from hfscaffold.adapters.uv import Uv
    from hfscaffold.matrix import builtin_rule_file, load_rules
    from hfscaffold.operations.verify import record_verifications, verify_rule

    rules = load_rules(rule_files)
    chosen = [rules.get(rule_id) for rule_id in rule_ids] if rule_ids else list(rules)
    out = Output(quiet=output_format == "json")
    uv = Uv()
    results = []
    for rule in chosen:
        result = verify_rule(rule, uv=uv, python=python, report=out.step)
        results.append(result)
        out.step(f"{rule.id}: {result.outcome} ({result.reason})")
    if record:
        python_version = platform.python_version() if python is None else python
        confirmed = {r.rule.id: v for r in results if (v := r.record(python_version))}
        targets = [builtin_rule_file(), *rule_files]
        for target in targets:
            record_verifications(target, confirmed)
    if output_format == "json":
        import json

        click.echo(json.dumps({"verifications": [r.as_json() for r in results]}, indent=2))
    else:
        for r in results:
            click.echo(f"{r.outcome:>13}  {r.rule.id}: {r.reason}")
            for label, run in (("bad", r.bad), ("fixed", r.fixed)):
                if run:
                    pins = ", ".join(f"{n}=={run.pins[n]}" for n in r.rule.when if n in run.pins)
                    verdict = "passed" if run.passed else f"failed: {run.output}"
                    click.echo(f"               {label}: {pins}: probe {verdict}")
    if any(r.outcome == "not confirmed" for r in results):
        click.get_current_context().exit(ExitCode.FINDINGS)


@matrix.command("export")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["constraints", "renovate"]),
    default="constraints",
    show_default=True,
)
@click.option(
    "--rules", "rule_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Extra rule file."
)
def matrix_export(output_format: str, rule_files: tuple[Path, ...]) -> None:
    """The rules' fixes as pip/uv constraints or Renovate packageRules, for any project."""
    from hfscaffold.matrix import load_rules
    from hfscaffold.operations.explain import export_constraints, export_renovate

    rules = load_rules(rule_files)
    click.echo(export_constraints(rules) if output_format == "constraints" else export_renovate(rules), nl=False)


def _console() -> Console:
    """A rich console; when output is not a terminal, wide enough that tables do not fold."""
    from rich.console import Console

    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)
    return console


def _shown(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it: shorter and copy-pasteable."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
