"""tomllib on Python 3.11+, its backport tomli on 3.10."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

from hfscaffold.errors import UserError

loads = tomllib.loads
TOMLDecodeError = tomllib.TOMLDecodeError


def parse(text: str, *, source: str, hint: str) -> dict[str, object]:
    """A TOML document, or a UserError naming the file, the line and what is wrong."""
    try:
        data: dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: not valid TOML: {exc}", hint=hint) from None
    except RecursionError:
        raise UserError(f"{source}: not valid TOML: nested too deeply to read", hint=hint) from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise UserError(f"{source}: not valid TOML: {str(exc).split(';')[0]}", hint=hint) from None
    return data


__all__ = ["TOMLDecodeError", "loads", "parse"]
