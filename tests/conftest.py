from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakeindex import FakeIndex, hf_stack

from hfscaffold.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory: pytest.TempPathFactory) -> FakeIndex:
    return FakeIndex(tmp_path_factory.mktemp("index") / "simple").add(hf_stack())


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture
def offline_uv(fake_index: FakeIndex, uv_cache: Path, monkeypatch: pytest.MonkeyPatch) -> FakeIndex:
    """Point every uv call of the test at the fake index only (no network)."""
    for key, value in fake_index.environment(uv_cache).items():
        monkeypatch.setenv(key, value)
    return fake_index


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Iterator[object]:
    """Run the console entry point in-process, as a user would, and capture what it printed."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    yield run


def _index_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=5):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if any(item.get_closest_marker("network") for item in items) and not _index_reachable():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            # CI reaches the index: a network test that cannot is a failure, never a skip.
            raise pytest.UsageError(
                "CI is set but the package index (pypi.org) is unreachable: the network tests cannot run"
            )
        skip = pytest.mark.skip(reason="the package index (pypi.org) is unreachable from here")
        for item in items:
            if item.get_closest_marker("network"):
                item.add_marker(skip)


@pytest.fixture
def new_project(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Make a project with ``new --no-sync`` (over whatever index the test set up): call it with a
    name and components; it returns the project folder."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)

    def make(name: str = "proj", components: str = "transformers", *extra: str) -> Path:
        dest = tmp_path / name
        result = run_cli("new", name, "--with", components, "--dest", str(dest), "--no-sync", *extra)
        assert result.exit_code == 0, result.stderr
        return dest

    return make


@pytest.fixture(autouse=True)
def _no_foreign_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run inside a venv; hfscaffold must never use it, so leave VIRTUAL_ENV set as a trap."""
    monkeypatch.setenv("VIRTUAL_ENV", os.environ.get("VIRTUAL_ENV", sys.prefix))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
