"""``hfscaffold diff``: the review of a change between two pin sets, against the project's code."""

from __future__ import annotations

from pathlib import Path

from hfscaffold.adapters.knowledge_files import builtin_rules
from hfscaffold.pins import read_pins
from hfscaffold.review import Review, advisory_review, diff


def review_change(old: Path, new: Path, *, project: Path | None, offline: bool = False) -> Review:
    """What moved from ``old`` to ``new``, the advisories fixed and remaining, and, when
    ``project`` is a project folder, the imports in its code the new versions break."""
    before, after = read_pins(old), read_pins(new)
    fixed, remaining = advisory_review(builtin_rules(), before, after)
    changes = diff(before, after)
    breaks = []
    if project is not None and (project / "pyproject.toml").is_file():
        from hfscaffold.adapters.fs import user_scratch
        from hfscaffold.adapters.uv import Uv
        from hfscaffold.code_review import code_breaks

        with user_scratch("diff") as scratch:
            breaks = code_breaks(project.absolute(), changes, uv=Uv(offline=offline), scratch=scratch)
    return Review(changes=changes, advisories_fixed=fixed, advisories_remaining=remaining, code_breaks=breaks)
