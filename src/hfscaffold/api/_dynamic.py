"""Names a module puts into its own namespace at run time, which its source cannot list: such a
module is open, unless the names are literal."""

from __future__ import annotations

import ast

from hfscaffold.api._ast import strings


def is_literal_strings(node: ast.AST | None) -> bool:
    """A list, tuple or set of string constants only (repeats allowed: transformers has some)."""
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    )


def all_additions(tree: ast.Module) -> set[str] | None:
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
            elif is_literal_strings(value):
                added |= strings(value)
            else:
                return None
    return added


def defines_dynamically(tree: ast.Module) -> bool:
    """Whether the module puts names into its own namespace at run time, anywhere in it:
    through ``globals()`` (stored into, updated, or kept in a variable, as pyarrow.compute
    does) or ``setattr`` on ``sys.modules[...]`` inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and is_globals(node.value):
            return True
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Store)
            and is_globals(node.value)
            and not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str))
        ):
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and is_globals(node.func.value)
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


def is_this_module(node: ast.AST) -> bool:
    """``sys.modules[__name__]``."""
    return (
        isinstance(node, ast.Subscript)
        and ast.unparse(node.value) == "sys.modules"
        and isinstance(node.slice, ast.Name)
        and node.slice.id == "__name__"
    )


def is_globals(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("globals", "vars")


def sets_own_attribute(call: ast.Call, selves: set[str]) -> str | None:
    """The name a module-level call defines on the module itself: ``setattr(module, "X", v)``
    gives "X"; a name computed at run time (``setattr(sys.modules[__name__], item.name, v)``,
    ``globals().update(...)``) gives "" (the module is then open); None: no such call."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "update" and is_globals(func.value):
        return ""
    if not (isinstance(func, ast.Name) and func.id == "setattr" and len(call.args) >= 2):
        return None
    target, name = call.args[0], call.args[1]
    if not (is_this_module(target) or (isinstance(target, ast.Name) and target.id in selves)):
        return None
    return name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else ""
