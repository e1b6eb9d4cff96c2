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
from collections.abc import Collection, Mapping
from dataclasses import replace

from hfscaffold.api._needed import read_needs
from hfscaffold.api._provided import read_provided
from hfscaffold.api.facts import ModuleFacts, Need, Signature, When

__all__ = ["ModuleFacts", "Need", "Signature", "When", "read_module", "resolve"]


def read_module(source: str, *, module: str, is_package: bool, own: frozenset[str]) -> ModuleFacts:
    """The facts of one module (dotted name ``module``); ``own`` holds the top-level names of the
    distribution the module belongs to. Source that does not parse is open and needs nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return ModuleFacts(frozenset(), True, (), ())
    package = module if is_package else module.rpartition(".")[0]
    provided = read_provided(tree, source, package=package, own=own)
    needs, own_imports = read_needs(tree, module=module, is_package=is_package, own=own)
    return ModuleFacts(
        provided.names, provided.open, tuple(needs), tuple(own_imports), provided.exports, provided.refers,
        provided.signatures, provided.origins,
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
