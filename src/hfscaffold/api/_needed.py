"""The consumer side: every import of another package, every attribute read off an imported
module and every keyword passed to an imported callee, with when it runs and what guards it."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from typing import cast

from hfscaffold.api._ast import TRY, absolute, root_name
from hfscaffold.api.facts import Need, When

# What a missing module, name or keyword raises (or a handler broad enough to catch it).
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException", "AttributeError", "TypeError"}


def read_needs(tree: ast.Module, *, module: str, is_package: bool, own: frozenset[str]) -> tuple[list[Need], list[str]]:
    needs: list[Need] = []
    own_imports: list[str] = []
    package = module if is_package else module.rpartition(".")[0]
    bindings = _bound_modules(tree, own, package)
    modules = bindings.modules
    # Annotations are never run (or not by the caller): no attribute chain is read in them.
    annotations = {id(n) for a in bindings.annotations for n in ast.walk(a)} if modules else set()
    chains: set[tuple[str, str, When, bool]] = set()
    calls: set[tuple[str, str, str, When, bool]] = set()
    optional: set[str] = set()  # names bound by a guarded import

    def visit(node: ast.AST, *, in_function: bool, guarded: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            child_guarded = guarded
            child_function = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            child_typing = typing_only
            if isinstance(child, ast.If):
                test = ast.unparse(child.test)
                if "TYPE_CHECKING" in test:
                    visit_block(child.body, in_function=child_function, guarded=True, typing_only=True)
                    visit_block(child.orelse, in_function=child_function, guarded=guarded, typing_only=typing_only)
                    continue
                # Either branch of an if runs only on some condition (a platform, an availability or
                # version check, a flag set by an earlier try): what it imports may be absent.
                child_guarded = True
            elif isinstance(child, TRY):
                tried = cast(ast.Try, child)  # try/except* has the same fields
                catches = any(_catches_import_error(h) for h in tried.handlers)
                visit_block(tried.body, in_function=child_function, guarded=guarded or catches, typing_only=typing_only)
                for handler in tried.handlers:  # a handler runs only when something above failed
                    visit_block(handler.body, in_function=child_function, guarded=True, typing_only=typing_only)
                # `else:` runs only when the guarded import worked: an availability check.
                visit_block(
                    tried.orelse, in_function=child_function, guarded=guarded or catches, typing_only=typing_only
                )
                visit_block(tried.finalbody, in_function=child_function, guarded=guarded, typing_only=typing_only)
                continue
            if child_typing:
                pass
            elif isinstance(child, ast.Import | ast.ImportFrom):
                record(child, in_function=child_function, guarded=child_guarded)
            elif isinstance(child, ast.Attribute) and id(child) not in annotations:
                if chain(child, in_function=child_function, guarded=child_guarded):
                    continue  # its inner links are part of the chain just recorded
            elif isinstance(child, ast.Call):
                when: When = "call" if child_function else "import"
                dynamic = _imported_by_name(child)
                if dynamic is not None and dynamic.split(".")[0] not in own:
                    needs.append(Need(child.lineno, dynamic, None, when, child_guarded))
                keywords(child, when=when, guarded=child_guarded)
            visit(child, in_function=child_function, guarded=child_guarded, typing_only=child_typing)

    def visit_block(block: list[ast.stmt], **context: bool) -> None:
        holder = ast.Module(body=block, type_ignores=[])
        visit(holder, **context)

    def chain(node: ast.Attribute, *, in_function: bool, guarded: bool) -> bool:
        """``mod.x.Y`` off a module bound by ``import``: the name ``Y`` needed from ``mod.x``."""
        parts: list[str] = []
        current: ast.AST = node
        while isinstance(current, ast.Attribute):
            parts.insert(0, current.attr)
            current = current.value
        if not (isinstance(current, ast.Name) and current.id in modules):
            return False
        if any(part.startswith("_") for part in parts):
            return True  # dunders every module has, private names (often patched in by others): unknown
        path = [*modules[current.id].split("."), *parts]
        when: When = "call" if in_function else "import"
        guarded = guarded or current.id in optional  # bound by an import that may have failed
        key = (".".join(path[:-1]), path[-1], when, guarded)
        if key not in chains:  # the first use of each chain stands for all
            chains.add(key)
            needs.append(Need(node.lineno, key[0], key[1], when, guarded, attribute=True))
        return True

    def keywords(call: ast.Call, *, when: When, guarded: bool) -> None:
        """``Y(k=...)`` or ``mod.Y(k=...)`` of an imported callee: each keyword it passes."""
        passed = [k.arg for k in call.keywords if k.arg]
        if not passed:
            return
        func = call.func
        if isinstance(func, ast.Name) and func.id in bindings.names:
            module, name = bindings.names[func.id]
            attribute = False
            guarded = guarded or func.id in optional
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in modules:
            module, name = modules[func.value.id], func.attr
            attribute = True
            guarded = guarded or func.value.id in optional
        else:
            return
        for keyword in passed:
            key = (module, name, keyword, when, guarded)
            if key not in calls:  # the first call passing it stands for all
                calls.add(key)
                needs.append(Need(call.lineno, module, name, when, guarded, attribute, keyword))

    def record(node: ast.Import | ast.ImportFrom, *, in_function: bool, guarded: bool) -> None:
        when: When = "call" if in_function else "import"
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if guarded:
                    optional.add(alias.asname or top)
                if top in own:
                    if when == "import" and not guarded:
                        own_imports.append(alias.name)
                else:
                    needs.append(Need(node.lineno, alias.name, None, when, guarded))
            return
        base = absolute(node, package)
        if base is None:
            return
        if base.split(".")[0] in own:
            if when == "import" and not guarded:
                own_imports.append(base)
                own_imports.extend(f"{base}.{a.name}" for a in node.names if a.name != "*")
            return
        for alias in node.names:
            if alias.name != "*":
                needs.append(Need(node.lineno, base, alias.name, when, guarded))
                if guarded:
                    optional.add(alias.asname or alias.name)

    visit(tree, in_function=False, guarded=False, typing_only=False)
    return needs, own_imports


@dataclass(frozen=True)
class _Bindings:
    modules: dict[str, str]  # local name -> another distribution's module (``import P.x as y``)
    names: dict[str, tuple[str, str]]  # local name -> (module, name) (``from P.x import Y``)
    annotations: list[ast.expr]


def _bound_modules(tree: ast.Module, own: frozenset[str], package: str) -> _Bindings:
    """Local names bound to another distribution's module by ``import P.x`` (binds ``P``) or
    ``import P.x as y``, or to one of its names by ``from P.x import Y``, except names the module
    also binds otherwise (a parameter, an assignment, a loop variable, a second import): there an
    attribute or a call may be anything's, so none is read. Also the module's annotations,
    gathered in the same walk."""
    bound: dict[str, str] = {}
    imported: dict[str, tuple[str, str]] = {}
    rebound: set[str] = set()
    annotations: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                rebound.add(node.id)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in own or top in sys.stdlib_module_names or top.startswith("_"):
                    continue
                local, target = (alias.asname, alias.name) if alias.asname else (top, top)
                if bound.get(local, target) != target or local in imported:
                    rebound.add(local)
                bound[local] = target
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node, package)
            for alias in node.names:
                local = alias.asname or alias.name
                if local in imported or local in bound or base is None or base.split(".")[0] in own:
                    rebound.add(local)
                elif alias.name != "*":
                    imported[local] = (base, alias.name)
        elif isinstance(node, ast.arg):
            rebound.add(node.arg)
            if node.annotation is not None:
                annotations.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            rebound.add(node.name)
            if not isinstance(node, ast.ClassDef) and node.returns is not None:
                annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            rebound |= set(node.names)
    return _Bindings(
        {name: target for name, target in bound.items() if name not in rebound and name not in imported},
        {name: target for name, target in imported.items() if name not in rebound and name not in bound},
        annotations,
    )


def _imported_by_name(call: ast.Call) -> str | None:
    """``P.x`` of ``importlib.import_module("P.x")`` (absolute, a literal, no package)."""
    func = call.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module" and root_name(func) == "importlib") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )
    if not named or len(call.args) != 1 or call.keywords:
        return None
    target = call.args[0]
    if isinstance(target, ast.Constant) and isinstance(target.value, str) and not target.value.startswith("."):
        name = target.value
        return name if all(part.isidentifier() for part in name.split(".")) else None
    return None


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        isinstance(c, ast.Name | ast.Attribute) and ast.unparse(c).split(".")[-1] in _IMPORT_ERRORS for c in caught
    )
