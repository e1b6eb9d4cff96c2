"""The facts read from one module: what it defines and what it needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

When = Literal["import", "call"]


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
