"""`hfscaffold update`: a project made by an older template gets the new one, with its answers and
the user's edits kept (Copier's three-way merge), conflicts shown, and a fresh lock."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from expect import json_data

from hfscaffold.adapters import render

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "commit.gpgsign=false"]


@pytest.fixture
def old_template(tmp_path: Path) -> Path:
    """The template as an earlier release shipped it: its README had no section on the lock, and
    its .gitignore did not ignore training outputs."""
    old = tmp_path / "template-0.0.9"
    shutil.copytree(render.template_path("project"), old)
    readme = old / "README.md.jinja"
    text = readme.read_text()
    start = text.index("Never edit `uv.lock` by hand")
    readme.write_text(text[:start].rstrip() + "\n")
    gitignore = old / ".gitignore"
    gitignore.write_text(gitignore.read_text().replace("outputs/\n", ""))
    return old


@pytest.fixture
def old_project(old_template: Path, tmp_path: Path) -> Path:
    """A project rendered by the old template (as `hfscaffold new` 0.0.9 did), pinned and committed."""
    project = tmp_path / "legacy"
    answers = {
        "project_name": "legacy", "package_name": "legacy", "python_version": "3.11", "components": ["datasets"],
        "imports": {"datasets": "datasets"}, "torch_backend": "pypi", "hfscaffold_version": "0.0.9",
    }  # fmt: skip
    render.render(old_template, project, answers)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"datasets",', '"datasets==3.0.0",').replace('"pytest"', '"pytest==8.3.3"')
    )
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    subprocess.run([*GIT, "commit", "-qm", "made by hfscaffold 0.0.9"], cwd=project, check=True)
    return project


def commit(project: Path, message: str) -> None:
    subprocess.run([*GIT, "commit", "-qam", message], cwd=project, check=True)


def test_update_carries_the_users_edit_through_a_template_change(
    old_project: Path, old_template: Path, run_cli
) -> None:
    readme = old_project / "README.md"
    readme.write_text(
        readme.read_text().replace("## Work on it", "## Our dataset\n\nWe train on the 2026 crawl.\n\n## Work on it")
    )
    commit(old_project, "describe our data")

    result = run_cli("update", "--project", str(old_project), "--from-template", str(old_template), "--no-lock")
    assert result.exit_code == 0, result.stderr

    text = readme.read_text()
    assert "We train on the 2026 crawl." in text  # the user's edit
    assert "Never edit `uv.lock` by hand" in text  # the template's change
    assert "outputs/" in (old_project / ".gitignore").read_text()
    assert '"datasets==3.0.0"' in (old_project / "pyproject.toml").read_text()  # the pin survives the merge
    answers = yaml.safe_load((old_project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "hfscaffold:project" and "_commit" not in answers
    assert answers["project_name"] == "legacy" and answers["components"] == ["datasets"]
    assert answers["hfscaffold_version"] != "0.0.9"
    assert "README.md" in result.stderr and ".gitignore" in result.stderr
    history = subprocess.run(
        ["git", "log", "--format=%s"], cwd=old_project, capture_output=True, text=True, check=True
    ).stdout
    assert history.splitlines()[:2] == [
        "describe our data",
        "made by hfscaffold 0.0.9",
    ]  # the project's own history, untouched
    assert not (old_project / "_tasks").exists() and not (old_project / "copier.yml").exists()


def test_a_conflicting_edit_is_shown_not_overwritten(old_project: Path, old_template: Path, run_cli) -> None:
    gitignore = old_project / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "outputs-of-mine/\n")
    commit(old_project, "ignore my outputs")
    result = run_cli("update", "--project", str(old_project), "--from-template", str(old_template), "--no-lock")
    assert result.exit_code == 1
    assert "the update left conflicts in .gitignore" in result.stderr
    text = gitignore.read_text()
    assert "<<<<<<< " in text and "outputs-of-mine/" in text and "outputs/" in text


def test_update_refuses_uncommitted_work(old_project: Path, old_template: Path, run_cli) -> None:
    (old_project / "README.md").write_text("draft")
    result = run_cli("update", "--project", str(old_project), "--from-template", str(old_template))
    assert result.exit_code == 2 and "has uncommitted changes" in result.stderr
    assert (old_project / "README.md").read_text() == "draft"


def test_an_unbundled_old_version_asks_for_its_template(old_project: Path, run_cli) -> None:
    result = run_cli("update", "--project", str(old_project))
    assert result.exit_code == 2
    assert "the template of hfscaffold 0.0.9 is not bundled" in result.stderr and "--from-template" in result.stderr


@pytest.mark.usefixtures("offline_uv")
def test_a_current_project_is_up_to_date_and_update_then_locks(
    tmp_path: Path, run_cli, old_project: Path, old_template: Path
) -> None:
    dest = tmp_path / "fresh"
    assert run_cli("new", "fresh", "--with", "datasets", "--dest", str(dest), "--no-sync").exit_code == 0
    result = run_cli("update", "--project", str(dest))
    assert result.exit_code == 0 and "Already on the newest template" in result.stderr

    assert json_data(run_cli("update", "--project", str(dest), "--format", "json").stdout)["up_to_date"] is True

    pyproject = old_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"datasets==3.0.0"', '"datasets==2.21.0"'))
    commit(old_project, "pin the dataset library our pipeline needs")
    result = run_cli("update", "--project", str(old_project), "--from-template", str(old_template))
    assert result.exit_code == 0, result.stderr
    assert (old_project / "uv.lock").is_file() and "Locked again" in result.stderr
    assert run_cli("lock", "--check", "--project", str(old_project)).exit_code == 0


def test_a_killed_update_leaves_nothing_the_next_one_does_not_clean(old_project: Path, old_template: Path) -> None:
    """A kill at each filesystem step of an update: its scratch answers, their git exclude line and
    its work folder (the assembled template repository, Copier's clones) go with the next update."""
    import os
    import sys
    import tempfile

    from hfscaffold.adapters.fs import process_alive
    from hfscaffold.operations.update import sweep_update_leftovers

    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    command = [
        sys.executable,
        "-m",
        "hfscaffold",
        "update",
        "--project",
        str(old_project),
        "--from-template",
        str(old_template),
        "--no-lock",
    ]
    exclude = old_project / ".git" / "info" / "exclude"
    original_exclude = exclude.read_text() if exclude.exists() else None

    def leftovers() -> list[str]:
        found = [p.name for p in old_project.glob(".hfscaffold-*")]
        found += [
            line for line in (exclude.read_text() if exclude.exists() else "").splitlines() if "hfscaffold" in line
        ]
        for work in Path(tempfile.gettempdir()).glob(".hfscaffold-update.hfscaffold-*"):
            pid = int(work.name.split(".hfscaffold-")[2].split("-")[0])
            if not process_alive(pid):
                found.append(str(work))
        return found

    step = 0
    tried: list[int] = []
    while True:
        step += 1
        killed = subprocess.run(
            command, env={**env, "HFSCAFFOLD_TEST_KILL_AT_STEP": str(step)}, capture_output=True, text=True, check=False
        )
        if killed.returncode == 0:
            break
        assert killed.returncode in (-9, 137), killed.stderr
        if leftovers():
            tried.append(step)
        sweep_update_leftovers(old_project)  # what the next update does first
        assert leftovers() == [], f"step {step}"
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=old_project, check=True)  # undo a merge half done
        subprocess.run(["git", "clean", "-qfd"], cwd=old_project, check=True)
    assert step > 3 and len(tried) > 2  # kills that left something to clean
    assert leftovers() == []
    assert (exclude.read_text() if exclude.exists() else None) == original_exclude

    # And the next update does sweep first: a killed run's answers and exclude line go.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    name = f".hfscaffold-{dead.stdout.strip()}-update-answers.yml"
    (old_project / name).write_text("_commit: old\n")
    exclude.parent.mkdir(parents=True, exist_ok=True)
    exclude.write_text((exclude.read_text() if exclude.exists() else "") + f"/{name}\n")
    subprocess.run(["git", "reset", "-q", "--hard", "HEAD~0"], cwd=old_project, check=True)
    again = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert not (old_project / name).exists() and name not in exclude.read_text()


def test_a_project_in_a_folder_of_a_larger_repository_updates(old_template: Path, tmp_path: Path, run_cli) -> None:
    repository = tmp_path / "monorepo"
    repository.mkdir()
    answers = {
        "project_name": "inner", "package_name": "inner", "python_version": "3.11", "components": ["datasets"],
        "imports": {"datasets": "datasets"}, "torch_backend": "pypi", "hfscaffold_version": "0.0.9",
    }  # fmt: skip
    project = repository / "apps" / "inner"
    render.render(old_template, project, answers)
    subprocess.run(["git", "init", "-q"], cwd=repository, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repository, check=True)
    subprocess.run([*GIT, "commit", "-qm", "monorepo"], cwd=repository, check=True)
    result = run_cli("update", "--project", str(project), "--from-template", str(old_template), "--no-lock")
    assert result.exit_code == 0, result.stderr
    assert "outputs/" in (project / ".gitignore").read_text()
    assert " ~ .gitignore" in result.stderr  # named as the project's own path
    assert not (project / ".git").exists()
    exclude = (repository / ".git" / "info" / "exclude").read_text()
    assert "hfscaffold" not in exclude


def their_template(root: Path) -> Path:
    """A template of the user's own, under git with a tag per version (as Copier expects)."""
    template = root / "tpl"
    template.mkdir()
    (template / "copier.yml").write_text("project_name:\n  type: str\ncomponents:\n  type: yaml\n  default: '[]'\n")
    (template / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ _copier_answers|to_nice_yaml }}")
    (template / "pyproject.toml.jinja").write_text(
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\nrequires-python = ">=3.10,<3.14"\n'
        'dependencies = [{% for c in components %}"{{ c }}", {% endfor %}]\n\n[tool.uv]\npackage = false\n'
    )
    filler = "".join(f"Line {n} of the template's README.\n" for n in range(6))
    (template / "README.md.jinja").write_text("# {{ project_name }}\n\nMade from our template.\n\n" + filler)
    (template / "OLD.txt").write_text("a file version 1 makes\n")
    subprocess.run(["git", "init", "-q"], cwd=template, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=template, check=True)
    subprocess.run([*GIT, "commit", "-qm", "v1"], cwd=template, check=True)
    subprocess.run(["git", "tag", "v1"], cwd=template, check=True)
    return template


def second_version(template: Path) -> None:
    readme = template / "README.md.jinja"
    readme.write_text(readme.read_text().replace("Made from our template.", "Made from our template, version 2."))
    (template / "OLD.txt").unlink()
    subprocess.run([*GIT, "add", "-A"], cwd=template, check=True)
    subprocess.run([*GIT, "commit", "-qm", "v2"], cwd=template, check=True)
    subprocess.run(["git", "tag", "v2"], cwd=template, check=True)


@pytest.fixture
def their_project(tmp_path: Path, run_cli, offline_uv) -> tuple[Path, Path]:
    template = their_template(tmp_path)
    project = tmp_path / "theirs"
    result = run_cli("new", "theirs", "--with", "datasets", "--template", str(template), "--dest", str(project))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith("&& hfscaffold sync")  # their template brings no pytest
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "../tpl" and answers["_commit"] == "v1"  # the real source and version
    (project / "MYFILE.txt").write_text("my own notes\n")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur own section.\n")
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    commit(project, "our notes")
    return project, template


def test_update_follows_the_users_own_template_and_deletes_nothing(their_project, run_cli) -> None:
    project, template = their_project
    result = run_cli("update", "--project", str(project))
    assert result.exit_code == 0 and "Already on the newest template (v1)" in result.stderr
    second_version(template)

    result = run_cli("update", "--project", str(project))
    assert result.exit_code == 0, result.stderr
    readme = (project / "README.md").read_text()
    assert "Made from our template, version 2." in readme and "Our own section." in readme
    assert (project / "MYFILE.txt").read_text() == "my own notes\n"
    assert (project / "OLD.txt").exists() and "Kept OLD.txt" in result.stderr
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "../tpl" and answers["_commit"] == "v2"
    assert "Locked again" in result.stderr
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    commit(project, "update to v2")
    assert "Already on the newest template (v2)" in run_cli("update", "--project", str(project)).stderr


def test_update_dry_run_shows_the_change_and_writes_nothing(their_project, run_cli) -> None:
    project, template = their_project
    second_version(template)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    result = run_cli("update", "--project", str(project), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert " ~ README.md" in result.stderr and "Would change" in result.stderr and "(v1 -> v2)" in result.stderr
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True)
    assert status.stdout == ""
