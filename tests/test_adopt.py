"""`hfscaffold adopt`: an existing project (requirements.txt, a pip freeze, poetry, PEP 621)
becomes an hfscaffold project in place, over the fake index: exact pins, a current uv.lock
checked by the matrix, its own environment, and the user's other files untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hfscaffold import _toml
from hfscaffold.adapters.uv import find_uv

pytestmark = pytest.mark.usefixtures("offline_uv")
DATA = Path(__file__).parent / "data"


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def dependencies(folder: Path) -> list[str]:
    return list(_toml.loads((folder / "pyproject.toml").read_text())["project"]["dependencies"])


def lock_is_current(folder: Path) -> bool:
    check = subprocess.run([find_uv(), "lock", "--check"], cwd=folder, capture_output=True, text=True, check=False)
    return check.returncode == 0


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    project = tmp_path / "old-project"
    project.mkdir()
    (project / "train.py").write_text("import transformers\n")
    return project


def test_a_requirements_file_becomes_exact_pins_a_lock_and_an_environment(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text(
        "# what the project needs\n"
        "transformers>=4.44,<4.46  # a range: resolved within it\n"
        'numpy<2; python_version >= "3.8"\n'
        "datasets[audio]\n"
        "-r more.txt\n"
    )
    (folder / "more.txt").write_text("tqdm\n")
    before = files(folder)
    result = run_cli("adopt", str(folder))
    assert result.exit_code == 0, result.stderr
    assert dependencies(folder) == [
        "transformers==4.45.0", 'numpy==1.26.4; python_version >= "3.8"', "datasets[audio]==3.0.0", "tqdm==4.66.5",
    ]  # fmt: skip
    assert "Adopted old-project: 4 pins from requirements.txt" in result.stderr and "hfscaffold run --" in result.stderr
    pyproject = _toml.loads((folder / "pyproject.toml").read_text())
    assert pyproject["tool"]["hfscaffold"]["components"] == ["datasets", "transformers"]
    assert pyproject["tool"]["uv"]["package"] is False  # the project itself is never built
    assert lock_is_current(folder)
    assert {name: data for name, data in files(folder).items() if name in before} == before  # untouched
    assert sorted(set(files(folder)) - set(before)) == ["pyproject.toml", "uv.lock"]
    python = folder / ".venv" / "bin" / "python"
    imported = subprocess.run(
        [str(python), "-c", "import transformers, numpy, tqdm, datasets"], capture_output=True, check=False
    )
    assert imported.returncode == 0, imported.stderr
    assert run_cli("lock", "--check", "--project", str(folder)).exit_code == 0
    again = run_cli("adopt", str(folder))
    assert (
        again.exit_code == 2 and "already an hfscaffold project" in again.stderr and "hfscaffold lock" in again.stderr
    )


def test_a_pip_freeze_is_kept_exactly(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text(
        "transformers==4.44.2\nhuggingface-hub==0.24.0\ntokenizers==0.19.1\nnumpy==1.26.4\n"
    )
    result = run_cli("adopt", str(folder), "--no-sync")
    assert result.exit_code == 0, result.stderr
    assert dependencies(folder) == [
        "transformers==4.44.2", "huggingface-hub==0.24.0", "tokenizers==0.19.1", "numpy==1.26.4",
    ]  # fmt: skip
    assert not (folder / ".venv").exists()


def test_from_env_keeps_the_versions_an_environment_has(folder: Path, tmp_path: Path, run_cli) -> None:
    env = tmp_path / "their-env"
    uv = find_uv()
    subprocess.run([uv, "venv", "--python", sys.executable, str(env)], check=True, capture_output=True)
    subprocess.run(
        [uv, "pip", "install", "--python", str(env / "bin" / "python"), "numpy==1.26.4", "tqdm==4.66.5"],
        check=True,
        capture_output=True,
    )
    (folder / "requirements.txt").write_text("numpy\ntqdm\nsafetensors\n")
    result = run_cli("adopt", str(folder), "--from-env", str(env), "--no-sync")
    assert result.exit_code == 0, result.stderr
    # numpy stays at the environment's 1.26.4 (the index's newest is 2.1.0); safetensors, which it
    # lacks, is resolved.
    assert dependencies(folder) == ["numpy==1.26.4", "tqdm==4.66.5", "safetensors==0.4.5"]


def test_a_poetry_project_keeps_its_tables_and_gets_exact_pins(folder: Path, run_cli) -> None:
    poetry = (
        "[tool.poetry]\n"
        'name = "old-poetry"\n'
        'version = "0.3.0"  # theirs\n'
        "\n"
        "[tool.poetry.dependencies]\n"
        'python = "~3.11"\n'
        'transformers = "^4.44"\n'
        'numpy = { version = "<2", markers = "python_version >= \'3.8\'" }\n'
        'tqdm = { version = "*", optional = true }\n'
        "\n"
        "[tool.poetry.group.dev.dependencies]\n"
        'pytest = "^8"\n'
        "\n"
        "[tool.black]\n"
        "line-length = 100\n"
    )
    (folder / "pyproject.toml").write_text(poetry)
    result = run_cli("adopt", str(folder), "--no-sync")
    assert result.exit_code == 0, result.stderr
    text = (folder / "pyproject.toml").read_text()
    assert text.startswith(poetry)  # the user's tables, formatting and comments, as they were
    data = _toml.loads(text)
    assert data["project"]["name"] == "old-poetry" and data["project"]["requires-python"] == ">=3.11,<3.12"
    assert dependencies(folder) == ["transformers==4.45.0", 'numpy==1.26.4; python_version >= "3.8"']
    assert "Not adopted: pyproject.toml: tqdm: optional" in result.stderr
    assert data["dependency-groups"] == {"dev": ["pytest==8.3.3"]}  # poetry's group, pinned too
    assert lock_is_current(folder)


def test_a_pep_621_project_is_pinned_in_place(folder: Path, run_cli) -> None:
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "pdm-made"\nversion = "1.0"\nrequires-python = ">=3.11,<3.12"\n'
        '# the stack\ndependencies = ["datasets>=2"]\n\n[tool.pdm]\ndistribution = false\n'
        '\n[tool.pdm.dev-dependencies]\ntest = ["pytest>=8"]\n'
    )
    result = run_cli("adopt", str(folder), "--no-sync")
    assert result.exit_code == 0, result.stderr
    text = (folder / "pyproject.toml").read_text()
    assert "# the stack\n" in text and "[tool.pdm]\ndistribution = false\n" in text
    assert dependencies(folder) == ["datasets==3.0.0"]
    assert _toml.loads(text)["dependency-groups"] == {"test": ["pytest==8.3.3"]}  # pdm's dev group
    assert _toml.loads(text)["project"]["requires-python"] == ">=3.11,<3.12"


def test_a_known_bad_exact_pair_is_refused_with_the_rule_and_allow_keeps_it(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("transformers==4.45.0\nhuggingface-hub==0.26.0\n")
    rules = folder.parent / "compat.toml"
    shutil.copy(DATA / "hub-rule.toml", rules)
    before = files(folder)
    result = run_cli("adopt", str(folder), "--rules", str(rules), "--no-sync")
    assert result.exit_code == 1
    assert "hits matrix rule test-transformers-hub-026" in result.stderr and "--allow" in result.stderr
    assert files(folder) == before  # a failed adopt writes nothing
    kept = run_cli("adopt", str(folder), "--rules", str(rules), "--allow", "test-transformers-hub-026", "--no-sync")
    assert kept.exit_code == 0, kept.stderr
    assert dependencies(folder) == ["transformers==4.45.0", "huggingface-hub==0.26.0"]
    assert _toml.loads((folder / "pyproject.toml").read_text())["tool"]["hfscaffold"]["allow"] == [
        "test-transformers-hub-026"
    ]


def test_a_range_the_matrix_knows_is_steered(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("transformers\nhuggingface-hub\n")
    rules = folder.parent / "compat.toml"
    shutil.copy(DATA / "hub-rule.toml", rules)
    result = run_cli("adopt", str(folder), "--rules", str(rules), "--no-sync")
    assert result.exit_code == 0, result.stderr
    assert "Steered around matrix rule test-transformers-hub-026" in result.stderr
    assert dependencies(folder) == ["transformers==4.45.0", "huggingface-hub==0.24.0"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("requirements.txt", "numpy>>2\n", "requirements.txt:1: cannot parse"),
        ("requirements.txt", "-r ../outside.txt\n", "leads outside"),
        ("requirements.txt", "-e git+https://example.org/x.git#egg=x\n", "name no package of the index"),
        ("pyproject.toml", "[project\n", "pyproject.toml:"),
        ("setup.py", "from setuptools import setup\nsetup()\n", "only in setup.py, which hfscaffold never runs"),
    ],
)
def test_bad_input_is_refused_with_where_and_nothing_is_written(
    folder: Path, run_cli, name: str, content: str, message: str
) -> None:
    (folder / name).write_text(content)
    before = files(folder)
    result = run_cli("adopt", str(folder), "--no-sync")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert files(folder) == before


def test_a_dry_run_shows_the_pins_and_writes_nothing(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("numpy<2\n")
    before = files(folder)
    result = run_cli("adopt", str(folder), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert " = numpy==1.26.4" in result.stdout and "nothing written" in result.stderr
    assert files(folder) == before and not (folder / ".venv").exists()


def test_requirements_no_version_satisfies_are_refused_with_uvs_reason(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("numpy<1\n")
    before = files(folder)
    result = run_cli("adopt", str(folder), "--no-sync")
    assert result.exit_code == 3, result.stderr
    assert "numpy" in result.stderr and "Traceback" not in result.stderr
    assert files(folder) == before


def test_export_rewrites_the_requirements_file_from_the_lock_on_request(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("numpy<2\n")
    result = run_cli("adopt", str(folder), "--export", "--no-sync")
    assert result.exit_code == 0, result.stderr
    exported = (folder / "requirements.txt").read_text()
    assert "numpy==1.26.4" in exported and "--hash=sha256:" in exported


def test_scaffold_adds_the_templates_missing_files_and_never_overwrites(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("transformers\ndatasets\n")
    (folder / "README.md").write_text("# Our project\n")
    (folder / ".gitignore").write_text("data/\n")
    before = files(folder)
    result = run_cli("adopt", str(folder), "--scaffold")
    assert result.exit_code == 0, result.stderr
    for added in ("tests/test_environment.py", ".github/workflows/ci.yml", ".copier-answers.yml", ".python-version"):
        assert (folder / added).is_file(), added
        assert f"Added {added} (from the template)" in result.stderr
    assert {name: data for name, data in files(folder).items() if name in before} == before  # README, .gitignore
    pyproject = _toml.loads((folder / "pyproject.toml").read_text())
    assert pyproject["dependency-groups"]["dev"] == ["pytest==8.3.3"]
    assert lock_is_current(folder)
    # The answers are recorded: update knows the project's template.
    update = run_cli("update", "--project", str(folder))
    assert update.exit_code == 0 and "Already on the newest template" in update.stderr


def test_an_environment_the_folder_already_has_is_never_synced_into(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("numpy<2\n")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / ".venv")], check=True)
    before = files(folder)
    result = run_cli("adopt", str(folder))
    assert result.exit_code == 1 and "hfscaffold did not build" in result.stderr and "--no-sync" in result.stderr
    assert files(folder) == before
    assert run_cli("adopt", str(folder), "--no-sync").exit_code == 0


def test_requirements_dev_beside_requirements_becomes_the_dev_group(folder: Path, run_cli) -> None:
    (folder / "requirements.txt").write_text("numpy<2\n")
    (folder / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    before = files(folder)
    result = run_cli("adopt", str(folder), "--no-sync")
    assert result.exit_code == 0, result.stderr
    assert dependencies(folder) == ["numpy==1.26.4"]
    assert _toml.loads((folder / "pyproject.toml").read_text())["dependency-groups"] == {"dev": ["pytest==8.3.3"]}
    assert {name: data for name, data in files(folder).items() if name in before} == before
    assert lock_is_current(folder)
