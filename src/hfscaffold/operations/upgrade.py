"""``hfscaffold upgrade``: a proposal, reviewed; with ``--apply``, its pins and lock written.

Without ``--apply`` nothing is written, not even the project's lock file. With it, the new exact
pins and a lock resolved without the cooldown (from the proposal's lock, so nothing else moves)
replace the project's files as a unit, under the project lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hfscaffold.adapters.fs import copy_project_files, scratch_directory, write_atomic
from hfscaffold.adapters.transaction import Transaction
from hfscaffold.adapters.uv import Uv
from hfscaffold.project import Project, locked_project
from hfscaffold.proposal import Proposal, ProposalRequest, propose
from hfscaffold.pyproject import pin_requirements, set_matrix_constraints, set_tool_setting
from hfscaffold.review import Review


@dataclass(frozen=True)
class UpgradeRequest(ProposalRequest):
    apply: bool = False


@dataclass(frozen=True)
class UpgradeResult:
    review: Review
    applied: bool = False
    changed: list[str] = field(default_factory=list)


def upgrade(request: UpgradeRequest, *, report: Callable[[str], None] = lambda _: None) -> UpgradeResult:
    if not request.apply:
        return UpgradeResult(review=propose(request, report=report).review)
    root = request.project.absolute()
    with locked_project(root, report=report) as (project, _):
        proposal = propose(request, report=report)
        if not proposal.applicable:
            return UpgradeResult(review=proposal.review)
        changed = _apply(project, proposal, Uv(offline=request.offline))
        return UpgradeResult(review=proposal.review, applied=True, changed=changed)


def _apply(project: Project, proposal: Proposal, uv: Uv) -> list[str]:
    """Exact pins for the new versions, the matrix's constraints, a lock without the cooldown."""
    assert proposal.resolution is not None and proposal.lock is not None  # proposal.applicable
    resolution = proposal.resolution
    pins = {name: str(v) for name in project.constraints() if (v := resolution.pins.version(name)) is not None}
    text = pin_requirements(project.pyproject.read_text(encoding="utf-8"), pins)
    text = set_matrix_constraints(text, resolution.applied)  # the proposal's, replacing the old pins' ones
    text = set_tool_setting(text, "matrix-rules", sorted(resolution.applied))
    with scratch_directory(project.root) as scratch:
        copy_project_files(project.root, scratch)
        write_atomic(scratch / "pyproject.toml", text)
        write_atomic(scratch / "uv.lock", proposal.lock)
        uv.relock(scratch)  # without the cooldown, from the proposal's lock
        transaction = Transaction(project.root)
        changed = []
        for name in ("pyproject.toml", "uv.lock"):
            if (scratch / name).read_bytes() != (project.root / name).read_bytes():
                transaction.stage(name, (scratch / name).read_bytes())
                changed.append(name)
        transaction.commit()
    return changed
