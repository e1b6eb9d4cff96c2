"""The provider side: the names a module defines and the lazy-module patterns that serve more.

A module-level ``__getattr__`` or a module object swapped into ``sys.modules`` makes a module
*open* unless it serves a table that lists its names; so does anything that defines names at run
time (``globals()``, ``setattr`` on the module, ``__all__`` filled by a helper).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from hfscaffold.api._ast import absolute, module_level, root_name, strings, target_names
from hfscaffold.api._dynamic import (
    all_additions,
    defines_dynamically,
    is_globals,
    is_literal_strings,
    is_this_module,
    sets_own_attribute,
)
from hfscaffold.api.facts import Signature

_LAZY_TABLES = ("_SUBMOD_ATTRS", "_import_structure")


@dataclass(frozen=True)
class Provided:
    """The provider side of one module's facts."""

    names: frozenset[str]
    open: bool
    exports: frozenset[str] | None
    refers: tuple[str, ...]
    signatures: dict[str, Signature]
    origins: dict[str, str]


def read_provided(tree: ast.Module, source: str, *, package: str, own: frozenset[str]) -> Provided:
    """The names a module defines and serves (``package``: the package its relative imports start
    from; ``own``: its distribution's top-level names)."""
    names: set[str] = set()
    exports: set[str] | None = None
    lazy = False  # a module __getattr__ or a module swapped into sys.modules
    unresolved = False  # something serves names that cannot be followed
    tables: list[ast.AST] = []
    refers: list[str] = []
    bound: dict[str, str] = {}  # local name -> the own module it was imported as
    origins: dict[str, str] = {}
    defined: dict[str, int] = {}
    signatures: dict[str, Signature] = {}
    rebound: set[str] = set()  # names also bound by an assignment or import
    selves: set[str] = set()  # local names of this module's own object (``module = sys.modules[__name__]``)
    computed_all = False
    decorated: set[str] = set()  # exported besides __all__, where a module has one
    typing_only = {
        id(n)
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in module_level(node.body)
    }
    for node in module_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            lazy |= node.name == "__getattr__"
            defined[node.name] = defined.get(node.name, 0) + 1
            signature = _signature(node)
            if signature is not None and not node.name.startswith("_"):
                signatures[node.name] = signature
            if any("requires" in ast.unparse(d) for d in node.decorator_list):  # transformers' @requires export
                decorated.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in target_names(target):
                    names.add(name)
                    rebound.add(name)
                    lazy |= name == "__getattr__"
                    if name in _LAZY_TABLES:
                        tables.append(node)
                if _is_sys_modules_swap(target):
                    lazy = True
                if isinstance(target, ast.Subscript) and root_name(target) in _LAZY_TABLES:
                    tables.append(node)
                if target_names(target) == ["__all__"] and not isinstance(node, ast.AnnAssign):
                    declared = strings(node.value)
                    names |= declared
                    exports = (exports or set()) | declared
                    computed_all |= not is_literal_strings(node.value)
        elif isinstance(node, ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            rebound |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            bound |= {a.asname: a.name for a in node.names if a.asname and a.name.split(".")[0] in own}
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node, package)
            if any(alias.name == "*" for alias in node.names):
                if base is not None and base.split(".")[0] in own:
                    # Under TYPE_CHECKING it never runs: its names may count, a missing module does not.
                    refers.append(f"{'hint' if id(node) in typing_only else 'star'}:{base}")
                elif id(node) not in typing_only:
                    unresolved = True  # another distribution's names are not read here
            names |= {alias.asname or alias.name for alias in node.names if alias.name != "*"}
            rebound |= {alias.asname or alias.name for alias in node.names}
            if base is not None and base.split(".")[0] in own:
                bound |= {alias.asname or alias.name: f"{base}.{alias.name}" for alias in node.names}
                origins |= {
                    alias.asname or alias.name: base
                    for alias in node.names
                    if alias.name == (alias.asname or alias.name)
                }
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if isinstance(call.func, ast.Attribute) and root_name(call.func.value) in _LAZY_TABLES:
                tables.append(call)
            set_here = sets_own_attribute(call, selves)
            if set_here is not None:
                if set_here:
                    names.add(set_here)
                else:
                    unresolved = True  # setattr(sys.modules[__name__], name, ...), globals().update(...)
        if isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Subscript) and is_this_module(node.value):
                selves |= {name for target in node.targets for name in target_names(target)}
            for target in node.targets:
                if isinstance(target, ast.Subscript) and is_globals(target.value):
                    key = target.slice
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        names.add(key.value)
                    else:
                        unresolved = True  # globals()[name] = ...
    structured = "define_import_structure" in source
    for call in _module_level_calls(tree.body, "define_import_structure") if structured else ():
        folder = _folder_of(call, package)
        if folder is None:
            unresolved = True
        else:
            refers.append(f"tree:{folder}")
    for table in tables:
        origins |= {name: f"{package}.{key}" for key, name in _table_origins(table) if package}
    for name in list(signatures):  # bound twice (two branches, a reassignment): not known for certain
        if defined.get(name, 0) != 1 or name in rebound:
            del signatures[name]
    literal = True
    for table in tables:
        found, complete, dirs = _table_names(table)
        names |= found
        literal &= complete
        for name in dirs:
            if name in bound:
                refers.append(f"names:{bound[name]}")
            else:
                literal = False
    served = bool(tables) or any(r.startswith("tree:") for r in refers)
    added = all_additions(tree) if "__all__." in source else set()  # the text first: walks are dear
    if added is None:
        unresolved = True  # names put into __all__ at run time
    else:
        names |= added
        exports = (exports | added) if exports is not None else None
    if "globals()" in source or "vars()" in source or "setattr" in source:
        unresolved |= defines_dynamically(tree)
    if exports is not None:
        exports |= decorated
    if computed_all:
        exports = None  # `from m import *` then takes what cannot be listed here: its names stand in
    is_open = unresolved or (lazy and not (served and literal))
    frozen_exports = frozenset(exports) if exports is not None else None
    kept = {name: origin for name, origin in origins.items() if name not in defined}
    return Provided(frozenset(names), is_open, frozen_exports, tuple(dict.fromkeys(refers)), signatures, kept)


def _is_sys_modules_swap(target: ast.AST) -> bool:
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "modules"
        and root_name(target.value) == "sys"
    )


def _table_names(node: ast.AST) -> tuple[set[str], bool, list[str]]:
    """The names a lazy table serves (its keys are submodules, its values the names in them),
    whether every value was a literal or a module's ``dir()`` (else names may be served that
    cannot be seen), and the local names whose ``dir()`` it lists (transformers' dummy objects)."""
    value: ast.AST | None
    if isinstance(node, ast.Call):  # _import_structure["x"].extend([...]) / .append("y")
        args = list(node.args)
        value = args[0] if len(args) == 1 and isinstance(args[0], ast.List | ast.Tuple) else ast.List(elts=args)
    else:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) else None
    if _rebuilds_table(value):
        return set(), True, []
    dirs: list[str] = []
    if isinstance(value, ast.Dict):
        names: set[str] = set()
        literal = True
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value.split(".")[-1])
            listed = _dir_listing(item)
            if listed is not None:
                dirs.append(listed)
                continue
            found = strings(item)
            literal &= is_literal_strings(item)
            names |= found
        return names, literal, dirs
    listed = _dir_listing(value)
    if listed is not None:
        return set(), True, [listed]
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        found = strings(value)
        return found, is_literal_strings(value), []
    return set(), False, []


def _table_origins(node: ast.AST) -> Iterator[tuple[str, str]]:
    """(submodule, name) pairs of a lazy table: where each name it serves is defined."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        key, values = _subscript_key(node.func.value), list(node.args)
        values = list(values[0].elts) if len(values) == 1 and isinstance(values[0], ast.List | ast.Tuple) else values
    elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        if isinstance(node.value, ast.Dict):
            for item_key, item in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(item_key, ast.Constant) and isinstance(item_key.value, str):
                    yield from ((item_key.value, name) for name in sorted(strings(item)))
            return
        key, values = _subscript_key(target), (list(node.value.elts) if isinstance(node.value, ast.List) else [])
    else:
        return
    if key is not None:
        yield from ((key, v.value) for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _subscript_key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    return None


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Signature | None:
    """The keywords a call accepts, when the source shows all of them: an undecorated function
    without ``**kwargs``; a class with such an ``__init__`` of its own, or a ``@dataclass``
    without bases (its fields). Anything else (a base's ``__init__``, ``__new__``, a metaclass, a
    decorator) may accept more, so it is not known."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        if node.decorator_list or node.args.kwarg is not None:
            return None
        return Signature("def", frozenset(a.arg for a in (*node.args.args, *node.args.kwonlyargs)))
    if node.keywords:  # a metaclass, or class arguments for __init_subclass__
        return None
    methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if any(m.name == "__new__" for m in methods):
        return None
    inits = [m for m in methods if m.name == "__init__"]
    decorators = [ast.unparse(d) for d in node.decorator_list]
    if len(inits) == 1 and not decorators:
        own = _signature(inits[0])
        return Signature("class", own.keywords - {"self"}) if own is not None else None
    plain_dataclass = len(decorators) == 1 and decorators[0].split("(")[0] in ("dataclass", "dataclasses.dataclass")
    if not inits and not node.bases and plain_dataclass and "init=False" not in decorators[0]:
        fields = {
            n.target.id
            for n in node.body
            if isinstance(n, ast.AnnAssign)
            and isinstance(n.target, ast.Name)
            and "ClassVar" not in ast.unparse(n.annotation)
        }
        return Signature("class", frozenset(fields))
    return None


def _dir_listing(node: ast.AST | None) -> str | None:
    """``X`` of ``[name for name in dir(X) if ...]``: a table of another module's names."""
    if isinstance(node, ast.ListComp | ast.SetComp) and len(node.generators) == 1:
        source = node.generators[0].iter
        if (
            isinstance(source, ast.Call)
            and isinstance(source.func, ast.Name)
            and source.func.id == "dir"
            and len(source.args) == 1
            and isinstance(source.args[0], ast.Name)
        ):
            return source.args[0].id
    return None


def _rebuilds_table(node: ast.AST | None) -> bool:
    """``{k: set(v) for k, v in _import_structure.items()}``: the table reshaped, no new names."""
    return (
        isinstance(node, ast.DictComp | ast.ListComp | ast.SetComp)
        and len(node.generators) == 1
        and any(isinstance(n, ast.Name) and n.id in _LAZY_TABLES for n in ast.walk(node.generators[0].iter))
    )


def _module_level_calls(body: list[ast.stmt], function: str) -> Iterator[ast.Call]:
    """Calls of ``function`` (by its last name) that run at import: not inside a def or class."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if called == function:
                yield node
        stack.extend(ast.iter_child_nodes(node))


def _folder_of(call: ast.Call, package: str) -> str | None:
    """The package whose folder ``define_import_structure`` reads: its first argument is this
    file (``__file__``, ``_file``) or its folder, with ``/ "sub"`` parts; a ``prefix`` only names it.
    None: an argument that cannot be followed."""
    if not call.args:
        return None
    parts: list[str] = []
    node: ast.AST = call.args[0]
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        if not (isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)):
            return None
        parts.insert(0, node.right.value)
        node = node.left
    text = ast.unparse(node)
    if "__file__" not in text and text != "_file":
        return None
    # The file and its folder name the same package; each further `.parent` or `dirname` one up.
    up = max(0, text.count(".parent") + text.count("dirname(") - 1)
    base = package.split(".")[: len(package.split(".")) - up] if up else package.split(".")
    if not package or not base or not all(part.isidentifier() for part in parts):
        return None
    return ".".join([*base, *parts])
