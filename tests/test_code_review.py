"""upgrade reviews the proposal against the project's own code: an import of a name the proposed
version drops is named with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from expect import json_data
from fakeindex import FakeDist, FakeIndex

from hfscaffold.code_review import project_sources, read_project

PYPROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10,<3.14"
dependencies = ["hubby==1.0.0", "other==1.0.0"]

[tool.uv]
package = false

[tool.hfscaffold]
cooldown = "0 days"
"""


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, uv_cache: Path, monkeypatch, run_cli) -> Path:  # type: ignore[no-untyped-def]
    index = FakeIndex(tmp_path_factory.mktemp("code-index") / "simple").add(
        [
            FakeDist(
                "hubby",
                "1.0.0",
                module_source="def HfFolder(): pass\ndef login(token=None, use_auth_token=None): pass\n"
                "def gone_before(): pass\n",
            ),
            FakeDist("hubby", "1.0.1", module_source="def login(token=None): pass\n"),
            FakeDist("other", "1.0.0"),
            FakeDist("other", "1.0.1"),
        ]
    )
    for key, value in index.environment(uv_cache).items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "app"
    (root / "src" / "app").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "src" / "app" / "__init__.py").write_text("")
    (root / "src" / "app" / "auth.py").write_text(
        "from hubby import HfFolder, login\n\n\ndef sign_in():\n    login(token='t')\n    login(use_auth_token='t')\n"
    )
    (root / "src" / "app" / "token.py").write_text("import hubby\n\n\ndef token():\n    return hubby.HfFolder()\n")
    (root / "src" / "app" / "late.py").write_text(
        "def go():\n    import hubby\n    from hubby import missing_everywhere\n"
    )
    (root / "tests" / "test_auth.py").write_text(
        "import other\ntry:\n    from hubby import HfFolder\nexcept ImportError:\n    pass\n"
    )
    assert run_cli("lock", "--project", str(root)).exit_code == 0
    return root


def test_the_review_names_the_projects_file_that_imports_a_removed_name(project: Path, run_cli) -> None:
    result = run_cli("upgrade", "--project", str(project), "--format", "json")
    review = json_data(result.stdout)
    assert result.exit_code == 0, result.stderr
    assert review["code_breaks"] == [
        {
            "file": "src/app/auth.py",
            "line": 1,
            "module": "hubby",
            "name": "HfFolder",
            "package": "hubby",
            "old": "1.0.0",
            "new": "1.0.1",
            "attribute": False,
            "keyword": None,
        },
        {
            "file": "src/app/auth.py",
            "line": 6,
            "module": "hubby",
            "name": "login",
            "package": "hubby",
            "old": "1.0.0",
            "new": "1.0.1",
            "attribute": False,
            "keyword": "use_auth_token",
        },
        {
            "file": "src/app/token.py",
            "line": 5,
            "module": "hubby",
            "name": "HfFolder",
            "package": "hubby",
            "old": "1.0.0",
            "new": "1.0.1",
            "attribute": True,
            "keyword": None,
        },
    ]  # the guarded test import and the name missing in both versions are not the upgrade's doing
    assert "3 lines of your code break" in review["summary"]
    markdown = run_cli("upgrade", "--project", str(project), "--format", "md").stdout
    assert (
        "### Your code" in markdown
        and "`src/app/auth.py:1` imports `HfFolder` from `hubby`; removed in hubby 1.0.1" in markdown
    )
    text = run_cli("upgrade", "--project", str(project)).stdout
    assert "your code: src/app/auth.py:1 imports HfFolder from hubby; removed in hubby 1.0.1 (present in 1.0.0)" in text
    assert "your code: src/app/token.py:5 uses hubby.HfFolder; removed in hubby 1.0.1 (present in 1.0.0)" in text
    assert "`src/app/token.py:5` uses `hubby.HfFolder`; removed in hubby 1.0.1" in markdown
    assert "your code: src/app/auth.py:6 passes use_auth_token= to login; removed in hubby 1.0.1" in text


def test_the_projects_sources_skip_environments_and_hidden_folders(tmp_path: Path) -> None:
    for path in (
        "src/pkg/__init__.py",
        "src/pkg/mod.py",
        "tests/test_x.py",
        "train.py",
        ".venv/lib/x.py",
        ".hidden/y.py",
        "bad-name/z.py",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("import os\n")
    assert sorted(name for name, _ in project_sources(tmp_path)) == ["pkg", "pkg.mod", "tests.test_x", "train"]
    project = read_project(tmp_path)
    assert project.tops == frozenset({"pkg", "tests", "train"})


def test_diff_reviews_a_changed_lock_against_the_projects_code(project: Path, tmp_path: Path, run_cli) -> None:
    old = tmp_path / "old.lock"
    old.write_text((project / "uv.lock").read_text())
    new = tmp_path / "new.txt"
    new.write_text("hubby==1.0.1\nother==1.0.0\n")
    review = json_data(run_cli("diff", str(old), str(new), "--project", str(project), "--format", "json").stdout)
    assert [(b["file"], b["name"]) for b in review["code_breaks"]] == [
        ("src/app/auth.py", "HfFolder"),
        ("src/app/auth.py", "login"),
        ("src/app/token.py", "HfFolder"),
    ]
    elsewhere = json_data(run_cli("diff", str(old), str(new), "--project", str(tmp_path), "--format", "json").stdout)
    assert elsewhere["code_breaks"] == []  # not a project: no code to read
