"""The pre-commit hooks hfscaffold offers (.pre-commit-hooks.yaml) work in a generated project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "commit.gpgsign=false"]


@pytest.mark.network  # pre-commit installs hfscaffold and its dependencies into the hook's environment
@pytest.mark.usefixtures("offline_uv")
def test_hooks_pass_on_a_clean_project_and_fail_on_a_stale_lock(tmp_path: Path, run_cli) -> None:
    project = tmp_path / "hooked"
    assert run_cli("new", "hooked", "--with", "transformers", "--dest", str(project), "--no-sync").exit_code == 0
    assert (project / ".git").is_dir()  # new made the repository and its first commit

    # pre-commit needs the hook repository as git: a copy of this checkout's committed files.
    hook_repo = tmp_path / "hfscaffold-hooks"
    subprocess.run(["git", "clone", "-q", str(REPO), str(hook_repo)], check=True)
    shutil.copy(REPO / ".pre-commit-hooks.yaml", hook_repo / ".pre-commit-hooks.yaml")
    subprocess.run([*GIT, "add", "-A"], cwd=hook_repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "hooks", "--allow-empty"], cwd=hook_repo, check=True)

    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_DEFAULT_INDEX", "UV_INDEX_URL")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-cache")
    uv_env = {**env, **{k: os.environ[k] for k in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_CACHE_DIR")}}

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files"],
            cwd=project, env=uv_env, capture_output=True, text=True, check=False,
        )  # fmt: skip

    for hook in ("hfscaffold-check", "hfscaffold-lock-check"):
        result = try_repo(hook)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "Passed" in result.stdout

    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"transformers==4.45.0"', '"transformers==4.44.2"'))
    subprocess.run([*GIT, "commit", "-qam", "repin"], cwd=project, check=True)
    result = try_repo("hfscaffold-lock-check")
    assert result.returncode == 1 and "Failed" in result.stdout and "stale" in result.stdout
