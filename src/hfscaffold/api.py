"""What a package's modules offer and need, read from their source without running it.

Provider side: the names a module defines (functions, classes, assignments, imports, ``__all__``,
names imported under ``if TYPE_CHECKING:``) and the lazy-module patterns the HF stack uses: a
module-level ``__getattr__`` or a module object swapped into ``sys.modules`` makes a module
*open* (its names cannot all be seen), unless it serves a literal table (huggingface_hub's
``_SUBMOD_ATTRS``, transformers' and diffusers' ``_import_structure``), whose names then count.
Consumer side: every ``from P.x import Y`` and ``import P.x``, with where it stands: at module
level (runs at import) or inside a function (runs when called), and whether a guard around it
(``try/except ImportError`` and its fallback, any ``if``: a platform, availability or version
check) means it runs only on some condition.

The standard library's ast is used rather than griffe: consumers need each import's statement
context (function scope, the try/except or if around it), which an API model drops, and the
lazy tables need reading of literal dicts either way; one pass per file also caches simply.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, cast

When = Literal["import", "call"]
_TRY: tuple[type[ast.stmt], ...] = tuple({ast.Try, getattr(ast, "TryStar", ast.Try)})  # try/except* from 3.11
_LAZY_TABLES = ("_SUBMOD_ATTRS", "_import_structure")
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException", "AttributeError"}


@dataclass(frozen=True)
class Need:
    """One import of another package's module or name."""

    line: int
    module: str  # absolute dotted path
    name: str | None  # None: the module itself (`import P.x`)
    when: When
    guarded: bool


@dataclass(frozen=True)
class ModuleFacts:
    names: frozenset[str]
    open: bool  # names may exist that cannot be seen: a missing name is then unknown, never missing
    needs: tuple[Need, ...]
    own_imports: tuple[str, ...]  # modules of the same package imported at module level, unguarded


def read_module(source: str, *, module: str, is_package: bool, own: frozenset[str]) -> ModuleFacts:
    """The facts of one module (dotted name ``module``); ``own`` holds the top-level names of the
    distribution the module belongs to. Source that does not parse is open and needs nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return ModuleFacts(frozenset(), True, (), ())
    names: set[str] = set()
    lazy = False
    tables: list[ast.AST] = []
    for node in _module_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            lazy |= node.name == "__getattr__"
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in _target_names(target):
                    names.add(name)
                    lazy |= name == "__getattr__"
                    if name in _LAZY_TABLES:
                        tables.append(node)
                if _is_sys_modules_swap(target):
                    lazy = True
                if isinstance(target, ast.Subscript) and _root_name(target) in _LAZY_TABLES:
                    tables.append(node)
            if isinstance(node, ast.Assign) and any(_target_names(t) == ["__all__"] for t in node.targets):
                names |= _strings(node.value)
        elif isinstance(node, ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if any(alias.name == "*" for alias in node.names):
                lazy = True  # the starred module's names are not read here
            names |= {alias.asname or alias.name for alias in node.names if alias.name != "*"}
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if isinstance(call.func, ast.Attribute) and _root_name(call.func.value) in _LAZY_TABLES:
                tables.append(call)
    served: set[str] = set()
    closed_tables = bool(tables)
    for table in tables:
        found, literal = _table_names(table)
        served |= found
        closed_tables &= literal
    is_open = lazy and not closed_tables
    needs, own_imports = _imports(tree, module=module, is_package=is_package, own=own)
    return ModuleFacts(frozenset(names | served), is_open, tuple(needs), tuple(own_imports))


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported, into every branch of if/try/with."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.For | ast.While):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, _TRY):
            tried = cast(ast.Try, node)  # try/except* has the same fields
            for block in (tried.body, tried.orelse, tried.finalbody, *(h.body for h in tried.handlers)):
                yield from _module_level(block)
        elif isinstance(node, ast.With | ast.AsyncWith):
            yield from _module_level(node.body)


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _target_names(element)]
    return []


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_sys_modules_swap(target: ast.AST) -> bool:
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "modules"
        and _root_name(target.value) == "sys"
    )


def _strings(node: ast.AST | None) -> set[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _table_names(node: ast.AST) -> tuple[set[str], bool]:
    """The names a lazy table serves (its keys are submodules, its values the names in them),
    and whether every value was a literal (else names may be served that cannot be seen)."""
    value: ast.AST | None
    if isinstance(node, ast.Call):  # _import_structure["x"].extend([...]) / .append("y")
        args = list(node.args)
        value = args[0] if len(args) == 1 and isinstance(args[0], ast.List | ast.Tuple) else ast.List(elts=args)
    else:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) else None
    if isinstance(value, ast.Dict):
        names: set[str] = set()
        literal = True
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value.split(".")[-1])
            found = _strings(item)
            literal &= isinstance(item, ast.List | ast.Tuple | ast.Set) and len(found) == len(item.elts)
            names |= found
        return names, literal
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        found = _strings(value)
        return found, len(found) == len(value.elts)
    return set(), False


def _imports(tree: ast.Module, *, module: str, is_package: bool, own: frozenset[str]) -> tuple[list[Need], list[str]]:
    needs: list[Need] = []
    own_imports: list[str] = []
    package = module if is_package else module.rpartition(".")[0]

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
            elif isinstance(child, _TRY):
                tried = cast(ast.Try, child)  # try/except* has the same fields
                catches = any(_catches_import_error(h) for h in tried.handlers)
                visit_block(tried.body, in_function=child_function, guarded=guarded or catches, typing_only=typing_only)
                for handler in tried.handlers:  # a fallback runs only when the import above failed
                    fallback = guarded or _catches_import_error(handler)
                    visit_block(handler.body, in_function=child_function, guarded=fallback, typing_only=typing_only)
                for block in (tried.orelse, tried.finalbody):
                    visit_block(block, in_function=child_function, guarded=guarded, typing_only=typing_only)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom) and not child_typing:
                record(child, in_function=child_function, guarded=child_guarded)
            visit(child, in_function=child_function, guarded=child_guarded, typing_only=child_typing)

    def visit_block(block: list[ast.stmt], **context: bool) -> None:
        holder = ast.Module(body=block, type_ignores=[])
        visit(holder, **context)

    def record(node: ast.Import | ast.ImportFrom, *, in_function: bool, guarded: bool) -> None:
        when: When = "call" if in_function else "import"
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in own:
                    if when == "import" and not guarded:
                        own_imports.append(alias.name)
                else:
                    needs.append(Need(node.lineno, alias.name, None, when, guarded))
            return
        base = _absolute(node, package)
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

    visit(tree, in_function=False, guarded=False, typing_only=False)
    return needs, own_imports


def _absolute(node: ast.ImportFrom, package: str) -> str | None:
    if node.level == 0:
        return node.module
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base) or None


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        isinstance(c, ast.Name | ast.Attribute) and ast.unparse(c).split(".")[-1] in _IMPORT_ERRORS for c in caught
    )
