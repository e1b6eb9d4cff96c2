"""The upgrade cooldown against an index that says when each file was uploaded (PEP 700), served
on this machine: what it holds back, and that uv's probe of it runs beside the resolution."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from expect import json_data
from fakeindex import FakeDist, FakeIndex, served

from hfscaffold.adapters.uv import Uv

LONG_AGO = "2024-01-01T00:00:00Z"

PYPROJECT = """\
[project]
name = "cooling"
version = "0.1.0"
requires-python = ">=3.10,<3.14"
dependencies = ["alpha==1.0.0", "datasets==2.0.0"]

[tool.uv]
package = false

[tool.hfscaffold]
cooldown = "7 days"
"""


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    recent = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    index = FakeIndex(tmp_path_factory.mktemp("cooldown-index") / "simple").add(
        [
            FakeDist("alpha", "1.0.0", uploaded=LONG_AGO),
            FakeDist("alpha", "1.0.1", uploaded=recent),  # inside the cooldown
            FakeDist("datasets", "2.0.0", uploaded=LONG_AGO),
            FakeDist("datasets", "2.0.1", uploaded=LONG_AGO),
            FakeDist("datasets", "2.1.0", uploaded=LONG_AGO),  # an HF x.y.0: held until its first patch
        ]
    )
    with served(index) as url:
        yield url


@pytest.fixture
def project(index_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli) -> Path:
    for key, value in FakeIndex(tmp_path).environment(tmp_path / "uv-cache", url=index_url).items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "cooling"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    assert run_cli("lock", "--project", str(root)).exit_code == 0
    return root


def held_back(run_cli, root: Path, *args: str) -> list[tuple[str, str, str]]:
    result = run_cli("upgrade", "--project", str(root), "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return [(h["name"], h["version"], h["reason"]) for h in json_data(result.stdout)["held_back"]]


def test_a_release_inside_the_cooldown_is_held_back_and_uv_is_asked_at_once(
    project: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[float, float, bool]] = []  # start, end, with the cooldown
    real_lock = Uv.lock

    def timed_lock(self: Uv, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        try:
            return real_lock(self, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            calls.append((start, time.monotonic(), "--exclude-newer" in kwargs.get("extra", ())))  # type: ignore[operator]

    monkeypatch.setattr(Uv, "lock", timed_lock)
    assert held_back(run_cli, project) == [("alpha", "1.0.1", "released less than 7 days ago (cooldown)")]
    (resolution,) = [c for c in calls if c[2]]
    (probe,) = [c for c in calls if not c[2]]
    assert probe[0] < resolution[1], "the probe without the cooldown waited for the resolution"


def test_the_probe_is_asked_again_when_x_y_0_holds_change_what_is_resolved(project: Path, run_cli) -> None:
    # Under the minor policy datasets 2.1.0 is a fresh x.y.0: the proposal holds it back and takes
    # 2.0.1. The probe started with the first text (no hold) finds 2.1.0; the cooldown does not
    # hold that back, the x.y.0 rule does, and only that reason is given.
    held = held_back(run_cli, project, "--policy", "minor")
    assert ("datasets", "2.1.0", "a new x.y.0 of an HF package waits for its first patch release") in held
    assert ("alpha", "1.0.1", "released less than 7 days ago (cooldown)") in held
    assert [h for h in held if h[0] == "datasets" and "cooldown" in h[2]] == []
