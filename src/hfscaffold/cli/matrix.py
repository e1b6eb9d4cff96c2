"""``hfscaffold matrix``: list, show, verify and export the rules."""

from __future__ import annotations

from pathlib import Path

import click

from hfscaffold.cli._options import Group, format_option, global_flags, rules_option
from hfscaffold.cli._render import Output, console, emit_json
from hfscaffold.errors import ExitCode


@click.group(cls=Group)
def matrix() -> None:
    """The compatibility matrix: known-bad combinations of the HF stack, with evidence."""


@matrix.command("list")
@rules_option
@format_option("table", "json")
def matrix_list(rule_files: tuple[Path, ...], output_format: str) -> None:
    """List every rule (JSON gives every field)."""
    from hfscaffold.adapters.knowledge_files import load_rules

    rules = load_rules(rule_files)
    if output_format == "json":
        emit_json({"rules": [r.as_json() for r in rules]})
        return
    from rich.table import Table

    from hfscaffold.cli._text import fix_text

    table = Table(box=None, pad_edge=False)
    for column in ("rule", "kind", "sev", "when", "fix", "verified"):
        table.add_column(column, overflow="fold")
    for r in rules:
        when = ", ".join(f"{n}{s}" if s != "absent" else f"no {n}" for n, s in r.when.items())
        table.add_row(r.id, r.kind, r.severity, when, fix_text(r), r.verified.on if r.verified else "")
    terminal = console()
    terminal.print(table)
    if not global_flags().quiet:
        terminal.print(f"{len(rules)} rules; `hfscaffold matrix show ID` for one rule with its evidence")


@matrix.command("show")
@click.argument("rule_id")
@rules_option
@format_option("text", "json")
def matrix_show(rule_id: str, rule_files: tuple[Path, ...], output_format: str) -> None:
    """Show one rule: versions, symptom, fix, probe and references."""
    from hfscaffold.adapters.knowledge_files import load_rules
    from hfscaffold.cli._text import rule_lines

    rule = load_rules(rule_files).get(rule_id)
    if output_format == "json":
        emit_json(rule.as_json())
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
@rules_option
@format_option("text", "json")
def matrix_verify(
    rule_ids: tuple[str, ...], python: str | None, record: bool, rule_files: tuple[Path, ...], output_format: str
) -> None:
    """Run rule probes in throwaway environments: the bad combination must fail, the fix pass.

    Rules whose environments need torch are skipped. Exit 1 when a rule is not confirmed.
    """
    import platform

    from hfscaffold.adapters.knowledge_files import builtin_rule_file, load_rules
    from hfscaffold.adapters.uv import Uv
    from hfscaffold.operations.verify import record_verifications, verify_rule

    rules = load_rules(rule_files)
    chosen = [rules.get(rule_id) for rule_id in rule_ids] if rule_ids else list(rules)
    out = Output(machine_readable=output_format == "json")
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
        emit_json({"verifications": [r.as_json() for r in results]})
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


@matrix.command("mine")
@click.argument("packages", nargs=-1, metavar="[PACKAGE ...]")
@click.option("--against", "against", multiple=True, metavar="PACKAGE", help="A provider [default: the packages].")
@click.option("--since", default="2023-01-01", show_default=True, metavar="DATE", help="Releases from this date.")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("mined.toml"),
    show_default=True,
    help="The rule file to write (hfscaffold ships src/hfscaffold/data/mined.toml).",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Releases read at once.")
@format_option("text", "json")
def matrix_mine(
    packages: tuple[str, ...], against: tuple[str, ...], since: str, output: Path, jobs: int, output_format: str
) -> None:
    """Mine the wheels: what consumer versions need that an allowed provider version lacks.

    Reads the first and last release of every minor since --since of each PACKAGE (default: the
    catalog's stack) and checks each consumer against each provider its metadata allows: names,
    modules and keyword arguments it uses that the provider dropped, and modules it imports
    without requiring them that the provider stopped bringing. Also lists releases that leave a
    Python and platform without a wheel. Writes the findings as rules with their evidence and
    prints what changed since the file's last run.
    """
    from datetime import datetime, timezone

    from hfscaffold.catalog import load_catalog
    from hfscaffold.errors import UserError
    from hfscaffold.operations.mine import MineRequest, mine

    try:
        start = datetime.fromisoformat(since).replace(tzinfo=timezone.utc)
    except ValueError:
        raise UserError(f"--since {since!r} is not a date", hint="use YYYY-MM-DD") from None
    chosen = packages or tuple(c.name for c in load_catalog().components if c.name != "torch")
    out = Output(machine_readable=output_format == "json")
    request = MineRequest(packages=chosen, against=against or chosen, output=output.absolute(), since=start, jobs=jobs)
    result = mine(request, report=out.step)
    if output_format == "json":
        emit_json(result.as_json())
        return
    for label, ids in (("new", result.new), ("gone", result.gone), ("widened", result.widened)):
        for rule_id in ids:
            click.echo(f"{label}: {rule_id}")
    click.echo(
        f"Mined {len(result.findings)} findings from {result.read} releases in {result.seconds:.1f}s; wrote {output}"
    )


@matrix.command("export")
@format_option("constraints", "renovate")
@click.option(
    "--for",
    "for_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also export the combinations that concern this pin set (uv.lock, pylock.toml, requirements).",
)
@rules_option
def matrix_export(output_format: str, for_file: Path | None, rule_files: tuple[Path, ...]) -> None:
    """The rules as pip/uv constraints or Renovate packageRules: only what is bad on its own.

    A constraint forbids only versions that break whatever else is installed (no wheel for a
    Python, a published vulnerability), with the rule's Python and platform as a marker. A
    combination (a transformers release with a huggingface-hub release) is exported only with
    --for FILE, where the pins show the other half present; what cannot be exported exactly is
    listed as left out.
    """
    from hfscaffold.adapters.knowledge_files import load_rules
    from hfscaffold.export import as_constraints, as_renovate, export
    from hfscaffold.pins import read_pins

    rules = load_rules(rule_files)
    pins = read_pins(for_file) if for_file is not None else None
    result = export(rules, pins)
    if output_format == "constraints":
        source = click.format_filename(for_file) if for_file is not None else None
        click.echo(as_constraints(result, version=rules.version, source=source), nl=False)
        return
    click.echo(as_renovate(result, rules), nl=False)
