"""Small readers of ast shared by both sides of the model."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import cast

TRY: tuple[type[ast.stmt], ...] = tuple({ast.Try, getattr(ast, "TryStar", ast.Try)})  # try/except* from 3.11


def module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported, into every branch of if/try/with."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.For | ast.While):
            yield from module_level(node.body)
            yield from module_level(node.orelse)
        elif isinstance(node, TRY):
            tried = cast(ast.Try, node)  # try/except* has the same fields
            for block in (tried.body, tried.orelse, tried.finalbody, *(h.body for h in tried.handlers)):
                yield from module_level(block)
        elif isinstance(node, ast.With | ast.AsyncWith):
            yield from module_level(node.body)


def target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in target_names(element)]
    return []


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def strings(node: ast.AST | None) -> set[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def absolute(node: ast.ImportFrom, package: str) -> str | None:
    if node.level == 0:
        return node.module
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base) or None
