"""The one JSON envelope of every command, without click: the fast path prints it too."""

from __future__ import annotations

# {"command", "exit_code", "data"} (or "error"): a command hands over its data, and the entry
# point prints it once the exit code is known.
_json_data: list[object] = []


def emit_json(data: object) -> None:
    _json_data[:] = [data]


def take_json() -> list[object]:
    """What the command handed over (empty, or one item), forgotten once taken."""
    taken = list(_json_data)
    _json_data.clear()
    return taken


def envelope(command: str, exit_code: int, *, data: object = None, error: dict[str, str | None] | None = None) -> str:
    import json

    body: dict[str, object] = {"command": command, "exit_code": int(exit_code)}
    if error is not None:
        body["error"] = error
    else:
        body["data"] = data
    return json.dumps(body, indent=2)
