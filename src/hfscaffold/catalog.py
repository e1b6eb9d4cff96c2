"""The component catalog: which packages hfscaffold knows, their aliases, and what they need."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hfscaffold import _toml as tomllib
from hfscaffold.errors import UserError, quoted
from hfscaffold.validation import describe_validation_error

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Component(BaseModel):
    """A Python package of the HF stack, or a companion users pair with it."""

    model_config = _FROZEN

    name: str
    family: Literal["hf", "companion"]
    aliases: tuple[str, ...] = ()
    needs_torch: bool
    repository: str = Field(pattern=r"^https://github\.com/[\w.-]+/[\w.-]+$")
    description: str
    smoke: str = ""  # one line run after the import to prove the package works, e.g. build a config

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    @field_validator("name")
    @classmethod
    def _canonical(cls, name: str) -> str:
        if canonicalize_name(name) != name:
            raise ValueError(f"{name!r} is not a canonical PyPI name (use {canonicalize_name(name)!r})")
        return name

    @property
    def release_notes_url(self) -> str:
        return f"{self.repository}/releases"


class Foreign(BaseModel):
    """A name users try that is not a Python package for a project environment (e.g. candle)."""

    model_config = _FROZEN

    name: str
    aliases: tuple[str, ...] = ()
    kind: str
    advice: str


class Task(BaseModel):
    """A task preset: the components it needs and the code it renders."""

    model_config = _FROZEN

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    summary: str
    components: tuple[str, ...] = Field(min_length=1)
    # A component left out when the user chooses its alternative (gradio -> streamlit).
    replaced_by: dict[str, str] = Field(default_factory=dict)
    trainer: str = "the Trainer"  # what the task code trains with
    lightning: bool = False  # whether the code has a Lightning variant (`--with lightning`)


class TaskCatalog(BaseModel):
    model_config = _FROZEN

    tasks: tuple[Task, ...] = Field(alias="task")

    def get(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        close = difflib.get_close_matches(task_id, [t.id for t in self.tasks], n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else "`hfscaffold components` lists the tasks"
        raise UserError(f"unknown task {task_id!r}", hint=hint)


@cache
def load_tasks() -> TaskCatalog:
    source = resources.files("hfscaffold") / "data" / "tasks.toml"
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    try:
        tasks = TaskCatalog.model_validate(data)
    except ValidationError as exc:
        raise UserError(describe_validation_error("tasks.toml", exc, data)) from exc
    catalog = load_catalog()
    for task in tasks.tasks:
        for name in task.components:
            catalog.get(name)  # every component a task names is in the catalog
    return tasks


class Catalog(BaseModel):
    model_config = _FROZEN

    components: tuple[Component, ...] = Field(alias="component")
    foreign: tuple[Foreign, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> Catalog:
        seen: dict[str, str] = {}
        entries: list[Component | Foreign] = [*self.components, *self.foreign]
        for entry in entries:
            for key in (entry.name, *entry.aliases):
                folded = canonicalize_name(key)
                if folded in seen:
                    raise ValueError(f"{key!r} names both {seen[folded]!r} and {entry.name!r}")
                seen[folded] = entry.name
        return self

    def get(self, name: str) -> Component:
        """The component called ``name`` or one of its aliases (case, ``_`` and ``.`` folded)."""
        folded = canonicalize_name(name)
        for component in self.components:
            if folded == component.name or folded in map(canonicalize_name, component.aliases):
                return component
        for foreign in self.foreign:
            if folded == foreign.name or folded in map(canonicalize_name, foreign.aliases):
                raise UserError(
                    f"{name!r} is {foreign.kind}, not a Python environment component",
                    hint=foreign.advice,
                )
        raise UserError(f"unknown component {name!r}", hint=self._suggest(folded))

    def _suggest(self, folded: str) -> str:
        known: dict[str, str] = {
            canonicalize_name(key): c.name for c in self.components for key in (c.name, *c.aliases)
        }
        close = difflib.get_close_matches(folded, list(known), n=1, cutoff=0.6)
        if close:
            return f"did you mean {known[close[0]]!r}? (`hfscaffold components` lists them all)"
        return "`hfscaffold components` lists the components hfscaffold knows"

    @property
    def torch(self) -> Component:
        return self.get("torch")


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with hfscaffold, validated once per process."""
    source = resources.files("hfscaffold") / "data" / "catalog.toml"
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:  # a broken catalog is a packaging bug; still say where it is
        raise UserError(describe_validation_error("catalog.toml", exc, data)) from exc


class Choice(BaseModel):
    """One component the user chose, with the version constraint they gave (if any)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    component: Component
    specifier: SpecifierSet = SpecifierSet()
    extras: tuple[str, ...] = ()
    implied: bool = False  # added because another choice needs it (torch)

    @property
    def name(self) -> str:
        return self.component.name

    @property
    def requirement(self) -> str:
        """The PEP 508 string written into pyproject.toml before resolution."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        return f"{self.name}{extras}{self.specifier}"

    @property
    def exact_version(self) -> str | None:
        """The version the user pinned with ``==`` (no wildcard), if they did."""
        specs = list(self.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            return specs[0].version
        return None


def parse_requirement_item(item: str) -> Requirement:
    """One ``--with`` item as a requirement: a name, extras and a version specifier, nothing else."""
    text = item.strip()
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise UserError(
            f"{quoted(text)} is not a requirement: {str(exc).splitlines()[0]}",
            hint="use NAME, NAME==X.Y.Z or NAME with any PEP 440 specifier, e.g. transformers>=4.44,<5",
        ) from None
    if requirement.url or requirement.marker:
        raise UserError(
            f"{quoted(text)} has a URL or marker",
            hint="give a name and a version specifier; edit pyproject.toml for URLs and markers",
        )
    return requirement


def parse_choice(item: str, catalog: Catalog) -> Choice:
    """``transformers``, ``hub>=0.30``, ``transformers==4.44.2`` -> a :class:`Choice`."""
    requirement = parse_requirement_item(item)
    component = catalog.get(requirement.name)
    return Choice(component=component, specifier=requirement.specifier, extras=tuple(sorted(requirement.extras)))


# Where torch comes from: PyPI, or one of PyTorch's own indexes (CPU, a CUDA or a ROCm build).
_TORCH_BACKEND = re.compile(r"^(pypi|cpu|cu\d{2,3}|rocm\d+\.\d+(\.\d+)?)$")


def parse_torch_backend(value: str) -> str:
    if not _TORCH_BACKEND.match(value):
        raise UserError(
            f"{quoted(value)} is not a torch backend",
            hint="use pypi (default), cpu, cuXYZ (e.g. cu128) or rocmX.Y (e.g. rocm6.4)",
        )
    return value


def split_with_items(values: Iterable[str]) -> list[str]:
    """``--with a,b --with c`` -> ``[a, b, c]``; commas inside a specifier stay with their item."""
    items: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            # "transformers>=4,<5": a piece that starts with an operator continues the previous item
            if items and part[0] in "<>=!~":
                items[-1] = f"{items[-1]},{part}"
            else:
                items.append(part)
    return items


def choose(items: Sequence[str], catalog: Catalog | None = None, *, task: Task | None = None) -> list[Choice]:
    """The user's ``--with`` items (after a task's components) as choices, torch added when needed."""
    catalog = catalog or load_catalog()
    choices: list[Choice] = []
    for item in items:
        choice = parse_choice(item, catalog)
        if any(existing.name == choice.name for existing in choices):
            raise UserError(
                f"{choice.name!r} is given more than once",
                hint="give each component once, with one specifier",
            )
        choices.append(choice)
    if task is not None:  # the task's components, unless the user already chose them (with a version)
        given = {c.name for c in choices}
        replaced = {name for name, alternative in task.replaced_by.items() if alternative in given}
        choices = [Choice(component=catalog.get(n)) for n in task.components if n not in given | replaced] + choices
    if not choices:
        raise UserError("no components chosen", hint="pass --with, e.g. --with transformers,datasets")
    if any(c.component.needs_torch for c in choices) and not any(c.name == "torch" for c in choices):
        choices.append(Choice(component=catalog.torch, implied=True))
    return choices
