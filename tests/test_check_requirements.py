"""A requirements file is checked as what installing it gives: uv resolves it for the target, so a
partly pinned file is normal input and a breakage reached through an unpinned package is found.
Every line kind pip accepts is read or named as not evaluated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from expect import json_data
from fakeindex import FakeDist, FakeIndex

STACK = [
    FakeDist("diffusers", "0.27.2", ("huggingface-hub",)),
    FakeDist("huggingface-hub", "0.25.2"),
    FakeDist("huggingface-hub", "0.26.0"),
    FakeDist("gradio", "4.37.2", ("pydantic>=2",)),
    FakeDist("pydantic", "1.10.9"),
    FakeDist("pydantic", "2.7.0"),
]


@pytest.fixture
def index(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> FakeIndex:
    fake = FakeIndex(tmp_path_factory.mktemp("index") / "simple").add(STACK)
    for key, value in fake.environment(tmp_path_factory.mktemp("uv-cache")).items():
        monkeypatch.setenv(key, value)
    return fake


def write(folder: Path, text: str, name: str = "requirements.txt") -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.usefixtures("index")
def test_a_breakage_through_an_unpinned_package_is_found(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path, "diffusers==0.27.2\n")
    result = run_cli("check", str(path))
    assert result.exit_code == 1, result.stderr
    assert "error: diffusers-hub-cached-download: diffusers==0.27.2, huggingface-hub==0.26.0" in result.stdout
    assert f"huggingface-hub is not in {path}: a fresh install gets 0.26.0" in result.stdout
    assert "fix: diffusers>=0.29.0 (or huggingface-hub<0.26.0)" in result.stdout


@pytest.mark.usefixtures("index")
def test_a_range_is_resolved_not_refused(tmp_path: Path, run_cli) -> None:
    assert run_cli("check", str(write(tmp_path, "diffusers==0.27.2\nhuggingface-hub<0.26\n"))).exit_code == 0
    loose = run_cli("check", str(write(tmp_path, "diffusers\nhuggingface-hub>=0.26\n")), "--format", "json")
    data = json_data(loose.stdout)
    assert loose.exit_code == 1 and data["resolved"] is True
    (violation,) = data["violations"]
    assert violation["notes"] == [
        f"diffusers is not pinned ({tmp_path / 'requirements.txt'}:1): a fresh install gets 0.27.2",
        f"huggingface-hub is not pinned ({tmp_path / 'requirements.txt'}:2): a fresh install gets 0.26.0",
    ]


@pytest.mark.usefixtures("index")
def test_constraints_files_steer_the_resolution(tmp_path: Path, run_cli) -> None:
    write(tmp_path, "huggingface-hub<0.26\n", "constraints.txt")
    path = write(tmp_path, "-c constraints.txt\ndiffusers==0.27.2\n")
    assert run_cli("check", str(path)).exit_code == 0


@pytest.mark.usefixtures("index")
def test_pins_that_contradict_metadata_are_unresolvable(tmp_path: Path, run_cli) -> None:
    result = run_cli("check", str(write(tmp_path, "gradio==4.37.2\npydantic==1.10.9\n")))
    assert result.exit_code == 1
    error = result.stderr.splitlines()[0]
    assert error.startswith(f"error: {tmp_path / 'requirements.txt'} cannot be installed on linux")
    assert "pydantic" in error and "unsatisfiable" in error
    assert "--no-resolve" in result.stderr.splitlines()[1]


def test_no_resolve_checks_the_pins_alone_and_says_what_it_cannot_decide(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path, "diffusers==0.27.2\ntransformers\n")
    result = run_cli("check", "--no-resolve", str(path), "--format", "json")
    data = json_data(result.stdout)
    assert result.exit_code == 0 and data["resolved"] is False and data["violations"] == []
    undecided = {u["rule"]: u for u in data["undecided"]}
    assert undecided["diffusers-hub-cached-download"]["unknown"] == ["huggingface-hub"]
    assert undecided["diffusers-hub-cached-download"]["matching"] == {"diffusers": "0.27.2"}
    text = run_cli("check", "--no-resolve", str(path)).stdout
    assert "undecided (error): diffusers-hub-cached-download: diffusers==0.27.2" in text


def test_no_line_is_dropped_in_silence(tmp_path: Path, run_cli) -> None:
    (tmp_path / "base.txt").write_text("diffusers==0.27.2\n")
    path = write(
        tmp_path,
        "-r base.txt\n"
        "git+https://github.com/huggingface/peft\n"
        "peft @ git+https://github.com/huggingface/peft@main\n"
        "-e ./mylib\n"
        ".\n"
        "./vendor/pkg-1.0.tar.gz\n"
        "https://example.org/six-1.16.0-py2.py3-none-any.whl\n"
        "https://example.org/archive/thing.tar.gz\n"
        "--find-links ./wheels\n"
        "--index-url https://example.org/simple\n"
        "--use-feature truststore\n"
        "a://transformers[torch]==4.44.2\n"
        "--index-url https://[example]/simple\n"
        "huggingface-hub==0.26.0 --hash=sha256:abc\n",
    )
    result = run_cli("check", "--no-resolve", str(path), "--format", "json")
    data = json_data(result.stdout)
    assert result.exit_code == 1 and [v["rule"] for v in data["violations"]] == ["diffusers-hub-cached-download"]
    reasons = {item["text"]: item["reason"] for item in data["not_evaluated"]}
    assert reasons == {
        "git+https://github.com/huggingface/peft": "a VCS requirement, built from source",
        "peft @ git+https://github.com/huggingface/peft@main": "a VCS requirement, built from source",
        "./mylib": "an editable install, built from source",
        ".": "a local path: never read",
        "./vendor/pkg-1.0.tar.gz": "a local path: never read",
        "https://example.org/archive/thing.tar.gz": "a source archive, built to learn its version",
        "--find-links ./wheels": "not an http(s) URL: never read",
        "--use-feature truststore": "an option check does not use",
        "a://transformers[torch]==4.44.2": "not a URL that can be read",  # urlsplit refuses its brackets
        "--index-url https://[example]/simple": "not an http(s) URL: never read",
    }
    assert data["checked"] == 3  # diffusers, huggingface-hub, and six from its wheel's file name
    text = run_cli("check", "--no-resolve", str(path)).stdout
    assert text.count("not evaluated: ") == len(reasons)


def test_a_refused_input_is_a_json_error(tmp_path: Path, run_cli) -> None:
    result = run_cli("check", str(write(tmp_path, "transformers=>4\n")), "--format", "json")
    body = json.loads(result.stdout)
    assert result.exit_code == 2 and body["command"] == "check" and "cannot parse" in body["error"]["message"]


@pytest.mark.network
def test_real_projects_that_pin_old_diffusers_and_leave_the_hub_unpinned(tmp_path: Path, run_cli) -> None:
    """The shape of public projects' requirements whose `import diffusers` fails on a fresh install."""
    path = write(tmp_path, "diffusers==0.24.0\ntransformers==4.36.2\naccelerate>=0.25\n")
    result = run_cli("check", str(path), "--python-version", "3.11", "--python-platform", "linux")
    assert result.exit_code == 1, result.stderr
    assert "error: diffusers-hub-cached-download: diffusers==0.24.0, huggingface-hub==" in result.stdout
    assert f"huggingface-hub is not in {path}: a fresh install gets" in result.stdout


@pytest.mark.network
def test_real_pins_that_pip_cannot_install_together(tmp_path: Path, run_cli) -> None:
    result = run_cli("check", str(write(tmp_path, "gradio==4.37.2\npydantic==1.10.9\n")), "--python-version", "3.11")
    assert result.exit_code == 1 and "cannot be installed on" in result.stderr and "pydantic" in result.stderr


def add_source_only(index: FakeIndex, marker: Path) -> None:
    """A project with only a source archive whose setup.py would leave ``marker`` if it ran."""
    import io
    import tarfile

    folder = index.root / "srconly"
    folder.mkdir()
    archive = folder / "srconly-1.0.tar.gz"
    setup = (
        f"open({str(marker)!r}, 'w').write('ran')\nfrom setuptools import setup\nsetup(name='srconly', version='1.0')\n"
    )
    with tarfile.open(archive, "w:gz") as tar:
        for name, text in (("srconly-1.0/setup.py", setup), ("srconly-1.0/PKG-INFO", "Name: srconly\nVersion: 1.0\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (folder / "index.html").write_text(f'<a href="{archive.name}">{archive.name}</a>\n')
    root = (index.root / "index.html").read_text()
    (index.root / "index.html").write_text(root.replace("</body>", '<a href="srconly/">srconly</a><br/>\n</body>'))


def test_check_builds_nothing_a_source_only_package_is_said_not_run(index: FakeIndex, tmp_path: Path, run_cli) -> None:
    marker = tmp_path / "setup-ran"
    add_source_only(index, marker)
    result = run_cli("check", str(write(tmp_path, "srconly\n")))
    assert result.exit_code == 3, result.stderr
    assert "without building srconly" in result.stderr and "--no-resolve" in result.stderr
    assert not marker.exists()
