"""What a package's modules offer and need, read from their source without running it.

Provider side: the names a module defines (functions, classes, assignments, imports, ``__all__``,
names imported under ``if TYPE_CHECKING:``) and the lazy-module patterns the HF stack uses: a
module-level ``__getattr__`` or a module object swapped into ``sys.modules`` makes a module
*open* (its names cannot all be seen), unless it serves a literal table (huggingface_hub's
``_SUBMOD_ATTRS``, transformers' and diffusers' ``_import_structure``), whose names then count.
A module may also serve the names of other modules of its distribution: a star import of one
(``from .models import *``), a table of a module's ``dir()`` (transformers' dummy objects), or
transformers' ``define_import_structure`` over a folder (every ``__all__`` below it). These are
kept as references and filled in by ``resolve`` once the whole distribution is read; a reference
that cannot be followed leaves the module open.
Consumer side: every ``from P.x import Y``, ``import P.x``, ``importlib.import_module("P.x")`` and
attribute chain off an imported module (``P.x.Y``), with where it stands: at module level (runs at
import) or inside a function (runs when called), and whether a guard around it (``try/except
ImportError`` and its fallback, any ``if``: a platform, availability, version or ``hasattr``
check) means it runs only on some condition; and the keyword arguments its calls of another
package's functions and classes pass, where the callee is bound by an import.

The standard library's ast is used rather than griffe: consumers need each import's statement
context (function scope, the try/except or if around it), which an API model drops, and the
lazy tables need reading of literal dicts either way; one pass per file also caches simply.
"""

from __future__ import annotations

import ast
import bisect
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, cast

When = Literal["import", "call"]
_TRY: tuple[type[ast.stmt], ...] = tuple({ast.Try, getattr(ast, "TryStar", ast.Try)})  # try/except* from 3.11
_LAZY_TABLES = ("_SUBMOD_ATTRS", "_import_structure")
# What a missing module, name or keyword raises (or a handler broad enough to catch it).
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException", "AttributeError", "TypeError"}


@dataclass(frozen=True)
class Need:
    """One import of another package's module or name."""

    line: int
    module: str  # absolute dotted path
    name: str | None  # None: the module itself (`import P.x`)
    when: When
    guarded: bool
    attribute: bool = False  # an attribute chain (``P.x.Y``): where ``P.x`` is no module, ``x`` is a name
    keyword: str | None = None  # a call of the name passing this keyword argument


@dataclass(frozen=True)
class ModuleFacts:
    names: frozenset[str]
    open: bool  # names may exist that cannot be seen: a missing name is then unknown, never missing
    needs: tuple[Need, ...]
    own_imports: tuple[str, ...]  # modules of the same package imported at module level, unguarded
    exports: frozenset[str] | None = None  # its literal ``__all__``, None: none declared
    refers: tuple[str, ...] = ()  # "star:M", "hint:M", "names:M", "tree:P": other modules' names it serves
    # The keyword arguments its functions and classes accept, where they are known for certain:
    # defined once, undecorated (a decorator may rename or swallow arguments), without **kwargs.
    signatures: Mapping[str, Signature] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)  # a re-exported name -> its own module


@dataclass(frozen=True)
class Signature:
    kind: Literal["def", "class"]
    keywords: frozenset[str]


def read_module(source: str, *, module: str, is_package: bool, own: frozenset[str]) -> ModuleFacts:
    """The facts of one module (dotted name ``module``); ``own`` holds the top-level names of the
    distribution the module belongs to. Source that does not parse is open and needs nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return ModuleFacts(frozenset(), True, (), ())
    package = module if is_package else module.rpartition(".")[0]
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
    typing_only = {
        id(n)
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in _module_level(node.body)
    }
    for node in _module_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            lazy |= node.name == "__getattr__"
            defined[node.name] = defined.get(node.name, 0) + 1
            signature = _signature(node)
            if signature is not None and not node.name.startswith("_"):
                signatures[node.name] = signature
            if any("requires" in ast.unparse(d) for d in node.decorator_list):  # transformers' @requires export
                exports = (exports or set()) | {node.name}
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in _target_names(target):
                    names.add(name)
                    rebound.add(name)
                    lazy |= name == "__getattr__"
                    if name in _LAZY_TABLES:
                        tables.append(node)
                if _is_sys_modules_swap(target):
                    lazy = True
                if isinstance(target, ast.Subscript) and _root_name(target) in _LAZY_TABLES:
                    tables.append(node)
                if _target_names(target) == ["__all__"] and not isinstance(node, ast.AnnAssign):
                    declared = _strings(node.value)
                    names |= declared
                    exports = (exports or set()) | declared
                    computed_all |= not _is_literal_strings(node.value)
        elif isinstance(node, ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            rebound |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            bound |= {a.asname: a.name for a in node.names if a.asname and a.name.split(".")[0] in own}
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
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
            if isinstance(call.func, ast.Attribute) and _root_name(call.func.value) in _LAZY_TABLES:
                tables.append(call)
            set_here = _sets_own_attribute(call, selves)
            if set_here is not None:
                if set_here:
                    names.add(set_here)
                else:
                    unresolved = True  # setattr(sys.modules[__name__], name, ...), globals().update(...)
        if isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Subscript) and _is_this_module(node.value):
                selves |= {name for target in node.targets for name in _target_names(target)}
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _is_globals(target.value):
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
    added = _all_additions(tree) if "__all__." in source else set()  # the text first: walks are dear
    if added is None:
        unresolved = True  # names put into __all__ at run time
    else:
        names |= added
        exports = (exports | added) if exports is not None else None
    if "globals()" in source or "vars()" in source or "setattr" in source:
        unresolved |= _defines_dynamically(tree)
    if computed_all:
        exports = None  # `from m import *` then takes what cannot be listed here: its names stand in
    is_open = unresolved or (lazy and not (served and literal))
    needs, own_imports = _imports(tree, module=module, is_package=is_package, own=own)
    frozen_exports = frozenset(exports) if exports is not None else None
    return ModuleFacts(
        frozenset(names), is_open, tuple(needs), tuple(own_imports), frozen_exports, tuple(dict.fromkeys(refers)),
        signatures, {name: origin for name, origin in origins.items() if name not in defined},
    )  # fmt: skip


def resolve(facts: Mapping[str, ModuleFacts], packages: Collection[str]) -> dict[str, ModuleFacts]:
    """The facts of a whole distribution with each module's references filled in: the names of
    the modules it star-imports or lists, the ``__all__`` of every module (not package) under a
    ``define_import_structure`` folder. A reference to a module that is missing, open or part of a
    cycle leaves the referring module open, except a star import under TYPE_CHECKING, which never
    runs. ``packages``: the modules that are ``__init__`` files."""
    ordered = sorted(facts)
    done: dict[str, ModuleFacts] = {}

    def follow(name: str, visiting: frozenset[str]) -> ModuleFacts | None:
        if name in done:
            return done[name]
        facts_of = facts.get(name)
        if facts_of is None or name in visiting:
            return None
        if not facts_of.refers:
            done[name] = facts_of
            return facts_of
        names, is_open = set(facts_of.names), facts_of.open
        for ref in facts_of.refers:
            kind, _, target = ref.partition(":")
            if kind == "tree":
                start = bisect.bisect_left(ordered, target + ".")
                end = bisect.bisect_left(ordered, target + "/")  # "/" sorts right after "."
                members = [m for m in ordered[start:end] if m not in packages]
            else:
                members = [target]
            for member in members:
                found = follow(member, visiting | {name})
                if kind == "hint":
                    pass
                elif found is None or (found.open and (kind != "tree" or found.exports is None)):
                    is_open = True
                if found is not None:
                    public = found.exports if found.exports is not None else found.names
                    names |= public if kind != "names" else found.names
        done[name] = replace(facts_of, names=frozenset(names), open=is_open, refers=())
        return done[name]

    return {name: follow(name, frozenset()) or facts[name] for name in facts}


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
            found = _strings(item)
            literal &= isinstance(item, ast.List | ast.Tuple | ast.Set) and len(found) == len(item.elts)
            names |= found
        return names, literal, dirs
    listed = _dir_listing(value)
    if listed is not None:
        return set(), True, [listed]
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        found = _strings(value)
        return found, len(found) == len(value.elts), []
    return set(), False, []


def _is_literal_strings(node: ast.AST | None) -> bool:
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and len(_strings(node)) == len(node.elts)


def _all_additions(tree: ast.Module) -> set[str] | None:
    """The names ``__all__.append/extend/insert`` calls anywhere add; None if one adds a name
    computed at run time (numpy.dtypes fills ``__all__`` from a helper function)."""
    added: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "extend", "insert")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "__all__"
        ):
            value = node.args[-1] if node.args else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                added.add(value.value)
            elif _is_literal_strings(value):
                added |= _strings(value)
            else:
                return None
    return added


def _defines_dynamically(tree: ast.Module) -> bool:
    """Whether the module puts names into its own namespace at run time, anywhere in it:
    through ``globals()`` (stored into, updated, or kept in a variable, as pyarrow.compute
    does) or ``setattr`` on ``sys.modules[...]`` inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_globals(node.value):
            return True
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Store)
            and _is_globals(node.value)
            and not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str))
        ):
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and _is_globals(node.func.value)
            and node.func.attr in ("update", "setdefault", "__setitem__")
        ):
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and node.args
            and "sys.modules" in ast.unparse(node.args[0])
            and not (len(node.args) > 1 and isinstance(node.args[1], ast.Constant))
        ):
            return True
    return False


def _is_this_module(node: ast.AST) -> bool:
    """``sys.modules[__name__]``."""
    return (
        isinstance(node, ast.Subscript)
        and ast.unparse(node.value) == "sys.modules"
        and isinstance(node.slice, ast.Name)
        and node.slice.id == "__name__"
    )


def _is_globals(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("globals", "vars")


def _sets_own_attribute(call: ast.Call, selves: set[str]) -> str | None:
    """The name a module-level call defines on the module itself: ``setattr(module, "X", v)``
    gives "X"; a name computed at run time (``setattr(sys.modules[__name__], item.name, v)``,
    ``globals().update(...)``) gives "" (the module is then open); None: no such call."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "update" and _is_globals(func.value):
        return ""
    if not (isinstance(func, ast.Name) and func.id == "setattr" and len(call.args) >= 2):
        return None
    target, name = call.args[0], call.args[1]
    if not (_is_this_module(target) or (isinstance(target, ast.Name) and target.id in selves)):
        return None
    return name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else ""


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
                    yield from ((item_key.value, name) for name in sorted(_strings(item)))
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


def _imports(tree: ast.Module, *, module: str, is_package: bool, own: frozenset[str]) -> tuple[list[Need], list[str]]:
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
            elif isinstance(child, _TRY):
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
            base = _absolute(node, package)
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
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module" and _root_name(func) == "importlib") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )
    if not named or len(call.args) != 1 or call.keywords:
        return None
    target = call.args[0]
    if isinstance(target, ast.Constant) and isinstance(target.value, str) and not target.value.startswith("."):
        name = target.value
        return name if all(part.isidentifier() for part in name.split(".")) else None
    return None


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
