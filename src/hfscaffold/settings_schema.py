"""The schema of ``[tool.hfscaffold]``: a model that refuses typos, the one validator.

A misspelt key (``cooldwon = "7 days"``) would otherwise be ignored in silence, and the project
would not get what its author asked for; so every key is known, and an unknown one is bad input
with the closest known key as a hint. What it accepts becomes settings.Settings.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hfscaffold.errors import UserError, quoted


class VerifiedModel(BaseModel):
    """The outcome of the last import check, and the lock it holds for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lock: str = ""
    imports: str = ""
    on: str = ""


class SettingsModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    # Written by `new` and `lock`.
    components: tuple[str, ...] = ()
    torch_backend: str = Field("pypi", alias="torch-backend")
    version: str | None = None  # of hfscaffold, when the project was made
    matrix: str | None = None  # the matrix data version the lock was checked against
    matrix_rules: tuple[str, ...] = Field((), alias="matrix-rules")
    verified: VerifiedModel | None = None
    # The project's own choices.
    allow: tuple[str, ...] = ()  # error rules accepted with --allow
    rules: str | tuple[str, ...] = ()  # the project's own rule files
    cooldown: str | None = None  # how old a release must be before `upgrade` proposes it
    hold_x_y_0: Literal["until-patch", "cooldown"] = Field("until-patch", alias="hold-x-y-0")
    pylock: bool = False  # also write pylock.toml on every lock
    exact: bool = True  # every direct requirement pinned `==`: `lock --check` and doctor say when one is not


_KEYS = sorted(field.alias or name for name, field in SettingsModel.model_fields.items())


def validate_settings(table: Mapping[str, object], *, source: str) -> dict[str, object]:
    """``[tool.hfscaffold]`` as read from ``source``, by field name, or a UserError naming the key
    and a fix."""
    try:
        return SettingsModel.model_validate(dict(table)).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part)[:60] for part in first["loc"]) or "?"
        if first["type"] == "extra_forbidden" and len(first["loc"]) == 1:
            key = str(first["loc"][0])
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the keys are {', '.join(_KEYS)}"
            raise UserError(f"{source}: [tool.hfscaffold] has no setting {quoted(key, 60)}", hint=hint) from None
        raise UserError(
            f"{source}: [tool.hfscaffold] {where}: {first['msg'][:200]}", hint="see the README for the settings"
        ) from None
