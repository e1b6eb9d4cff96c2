"""``[tool.hfscaffold]``: what a project records and asks for.

Every command reads a project's settings, so they are plain records: the schema
(settings_schema.py, pydantic) validates a table once per content, and the result is kept
(adapters/validated.py) for the next command that reads the same table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from hfscaffold.adapters.validated import validated_once

_FORM = 1  # of the kept settings: a change of the fields makes every kept table a miss


@dataclass(frozen=True)
class Verified:
    """The outcome of the last import check, and the lock it holds for."""

    lock: str = ""
    imports: str = ""
    on: str = ""


@dataclass(frozen=True)
class Settings:
    # Written by `new` and `lock`.
    components: tuple[str, ...] = ()
    torch_backend: str = "pypi"
    version: str | None = None  # of hfscaffold, when the project was made
    matrix: str | None = None  # the matrix data version the lock was checked against
    matrix_rules: tuple[str, ...] = ()
    verified: Verified | None = None
    # The project's own choices.
    allow: tuple[str, ...] = ()  # error rules accepted with --allow
    rules: str | tuple[str, ...] = ()  # the project's own rule files
    cooldown: str | None = None  # how old a release must be before `upgrade` proposes it
    hold_x_y_0: Literal["until-patch", "cooldown"] = "until-patch"
    pylock: bool = False  # also write pylock.toml on every lock
    exact: bool = True  # every direct requirement pinned `==`: `lock --check` and doctor say when one is not

    @property
    def rule_files(self) -> tuple[str, ...]:
        return (self.rules,) if isinstance(self.rules, str) else self.rules


def _settings(fields: Mapping[str, object]) -> Settings:
    values: dict[str, Any] = dict(fields)
    for name in ("components", "matrix_rules", "allow"):
        values[name] = tuple(values[name])
    if isinstance(values["rules"], list):
        values["rules"] = tuple(values["rules"])
    if values["verified"] is not None:
        values["verified"] = Verified(**values["verified"])
    return Settings(**values)


def parse_settings(table: Mapping[str, object], *, source: str) -> Settings:
    """``[tool.hfscaffold]`` as read from ``source``, or a UserError naming the key and a fix."""
    if not table:
        return Settings()

    def validate() -> Settings:
        from hfscaffold.settings_schema import validate_settings

        return _settings(validate_settings(table, source=source))

    try:
        content = json.dumps(table, sort_keys=True).encode()
    except (TypeError, ValueError):  # a TOML date or time: no setting takes one, the schema says so
        return validate()

    def dump(settings: Settings) -> bytes:
        return json.dumps(asdict(settings)).encode()

    def load(data: bytes, _: Path) -> Settings:
        return _settings(json.loads(data))

    here = Path(__file__).resolve().parent
    schema = [here / "settings.py", here / "settings_schema.py"]
    return validated_once("settings", [content], validate, dump=dump, load=load, form=_FORM, schema=schema)
