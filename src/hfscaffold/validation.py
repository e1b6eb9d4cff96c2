"""Turn pydantic's validation errors into messages that name the file, the entry and the field."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def _entry_label(data: Any, loc: tuple[int | str, ...]) -> str:
    """``component.3.name`` -> ``component[3] (transformers).name``: a reader finds it by name."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
            label = node.get("id") or node.get("name") if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]" + (f" ({str(label)[:60]})" if label else "")]
            continue
        parts.append(str(key)[:60])
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


_SHOWN = 5  # problems listed in full; a file broken everywhere gets a count of the rest


def describe_validation_error(filename: str, exc: ValidationError, data: Any) -> str:
    """Every problem at once, one per line: ``file: entry.field: message``."""
    errors = exc.errors()
    lines = [f"{filename}: {_entry_label(data, tuple(e['loc']))}: {_short(e['msg'])}" for e in errors[:_SHOWN]]
    if len(errors) > _SHOWN:
        lines.append(f"... and {len(errors) - _SHOWN} more problems")
    return "\n".join(lines)


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[:limit] + "..."
