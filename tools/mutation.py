"""A small mutation run over hfscaffold's core: each mutant changes one operator or constant of
one module, and the module's unit tests must fail on it ("killed"). What survives shows a test
that is missing. Usage, from the repository root:

    .venv/bin/python tools/mutation.py src/hfscaffold/policy.py tests/test_units.py [tests/...]

It works on a copy of src/, templates/, tests/ and examples/ in a temporary folder (the checkout
is never touched, and may change during the run) and prints the kill rate and each surviving
mutant's line.
"""

from __future__ import annotations

import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

SWAPS: dict[type, type] = {
    ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.And: ast.Or, ast.Or: ast.And,
}  # fmt: skip


def mutants(tree: ast.Module) -> Iterator[tuple[int, str, ast.Module]]:
    """(line, what changed, the mutated module) for every site, one change at a time."""
    sites = [node for node in ast.walk(tree)]
    for index, node in enumerate(sites):
        for label, change in _changes(node):
            mutated = copy.deepcopy(tree)
            target = [n for n in ast.walk(mutated)][index]
            change(target)
            yield getattr(node, "lineno", 0), label, mutated


def _changes(node: ast.AST) -> Iterator[tuple[str, object]]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in SWAPS:
                yield (
                    f"{type(op).__name__} -> {SWAPS[type(op)].__name__}",
                    lambda n, i=i: n.ops.__setitem__(i, SWAPS[type(n.ops[i])]()),
                )
    elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in SWAPS:
        yield (
            f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}",
            lambda n: setattr(n, "op", SWAPS[type(n.op)]()),
        )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "drop not", lambda n: setattr(n, "op", ast.UAdd())
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield f"{node.value} -> {not node.value}", lambda n: setattr(n, "value", not n.value)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        yield f"{node.value} -> {node.value + 1}", lambda n: setattr(n, "value", n.value + 1)
    elif isinstance(node, ast.Return) and node.value is not None:
        yield "return None", lambda n: setattr(n, "value", ast.Constant(None))


def main(module: str, tests: list[str]) -> int:
    repo = Path.cwd()
    source = (repo / module).read_text()
    tree = ast.parse(source)
    relative = Path(module).relative_to("src")
    killed, survived = 0, []
    with tempfile.TemporaryDirectory(prefix="hfscaffold-mutation-") as work:
        # A copy of everything the tests read, so edits to the checkout during a run change nothing.
        for folder in ("src", "templates", "tests", "examples"):
            shutil.copytree(repo / folder, Path(work) / folder, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(repo / "pyproject.toml", Path(work) / "pyproject.toml")
        target = Path(work) / "src" / relative
        env = {**os.environ, "PYTHONPATH": str(Path(work) / "src")}
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        # The tests must pass on the unmutated copy, or every mutant would count as killed.
        started = time.perf_counter()
        baseline = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
        limit = max(30.0, 10 * (time.perf_counter() - started))  # a mutant that loops forever is killed
        if baseline.returncode != 0:
            print(f"{module}: the tests fail without any mutation; fix them first\n{baseline.stdout[-2000:]}")
            return 2
        for line, label, mutated in mutants(tree):
            target.write_text(ast.unparse(ast.fix_missing_locations(mutated)))
            try:
                done = subprocess.run(
                    command, cwd=work, env=env, capture_output=True, text=True, check=False, timeout=limit
                )
            except subprocess.TimeoutExpired:  # the mutant hangs the tests: they caught it
                killed += 1
                continue
            if done.returncode == 0:
                survived.append(f"{module}:{line}: {label}")
            else:
                killed += 1
        target.write_text(source)
    total = killed + len(survived)
    print(f"{module}: {killed}/{total} mutants killed ({100 * killed / max(total, 1):.0f}%)")
    for line in survived:
        print(f"  survived {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
