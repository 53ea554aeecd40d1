"""A job's directory, the pristine snapshot of its repository, and the diff taken on the host.

Layout of one job (`<run>/artifacts/<job>/`):

    work/            the sandbox's only writable directory
      TASK.json      the task, as the agent contract describes it
      agent/         a copy of the agent version (the agent's working directory)
      repo/          REPO_DIR: what the agent edits
      out/           OUT_DIR: the agent's own trajectory and result.json
    snapshot.git/    git data of the pristine repo/, outside the sandbox (never agent-visible)
    record.json      what the harness recorded (written by the caller)

The diff is computed by git on the host, between the snapshot and `work/repo`
(`hgm.evolve.bounded_diff`): the agent's own diff (if it makes one) is never used, and
files it wrote outside `repo/` are not part of it. git runs without the user's
configuration and with `.gitattributes` of the workspace neutralised, so nothing an agent
writes can run code or change the bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hgm.errors import UserError

# Highest-precedence attributes: bytes in, bytes out, whatever `.gitattributes` says.
NEUTRAL_ATTRIBUTES = "* -text -eol -filter -ident -working-tree-encoding -export-subst\n"
# Never part of a diff: bytecode and caches that running code or tests leaves behind.
HARNESS_EXCLUDES = (
    "__pycache__/\n*.pyc\n.pytest_cache/\n.mypy_cache/\n.ruff_cache/\nnode_modules/\n.hypothesis/\n"
)
GIT_SETTINGS = (
    "core.autocrlf=false",
    "core.symlinks=true",
    "core.fileMode=true",
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.quotePath=false",
    "diff.noprefix=false",
    "gc.auto=0",
)


class WorkspaceError(Exception):
    """git could not snapshot or diff a job's repository; the message carries git's stderr."""


@dataclass(frozen=True, slots=True)
class JobLayout:
    """The paths of one job; `create` makes the directories."""

    job_dir: Path

    @property
    def work(self) -> Path:
        return self.job_dir / "work"

    @property
    def task_file(self) -> Path:
        return self.work / "TASK.json"

    @property
    def agent(self) -> Path:
        return self.work / "agent"

    @property
    def repo(self) -> Path:
        return self.work / "repo"

    @property
    def out(self) -> Path:
        return self.work / "out"

    @property
    def snapshot(self) -> Path:
        return self.job_dir / "snapshot.git"

    @property
    def record(self) -> Path:
        return self.job_dir / "record.json"

    @classmethod
    def create(cls, job_dir: Path) -> JobLayout:
        """Make `work/`, `work/repo/` and `work/out/` under a new or empty `job_dir`."""
        layout = cls(job_dir.absolute())
        if layout.job_dir.exists() and any(layout.job_dir.iterdir()):
            raise UserError(f"job directory {layout.job_dir} already exists and is not empty")
        layout.repo.mkdir(parents=True)
        layout.out.mkdir()
        return layout


def git_env(layout: JobLayout) -> dict[str, str]:
    """No user or system configuration, no inherited GIT_* variables, a fixed identity."""
    nowhere = str(layout.snapshot / "no-home")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": nowhere,
        "XDG_CONFIG_HOME": nowhere,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_DIR": str(layout.snapshot),
        "GIT_WORK_TREE": str(layout.repo),
        "GIT_AUTHOR_NAME": "hgm",
        "GIT_AUTHOR_EMAIL": "hgm@localhost",
        "GIT_COMMITTER_NAME": "hgm",
        "GIT_COMMITTER_EMAIL": "hgm@localhost",
        "GIT_AUTHOR_DATE": "@946684800 +0000",
        "GIT_COMMITTER_DATE": "@946684800 +0000",
        "LC_ALL": "C",
    }


def run_git(
    layout: JobLayout, *args: str, stdin: bytes | None = None, index: str | None = None
) -> bytes:
    """git's stdout for `args` on the job's snapshot (`index`: another index file to use)."""
    settings = [part for setting in GIT_SETTINGS for part in ("-c", setting)]
    env = git_env(layout) | ({"GIT_INDEX_FILE": index} if index else {})
    done = subprocess.run(
        ["git", *settings, *args],
        cwd=layout.job_dir,
        env=env,
        input=stdin,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace").strip()
        raise WorkspaceError(f"git {args[0]} failed in {layout.job_dir}: {stderr}")
    return done.stdout


def snapshot_repo(layout: JobLayout) -> None:
    """Record the pristine `work/repo` in the index of `snapshot.git` (outside the sandbox)."""
    git_dir = layout.snapshot
    for directory in ("objects", "refs/heads", "refs/tags", "info"):
        (git_dir / directory).mkdir(parents=True)
    # What `git init --bare` writes, without the cost of another process per evaluation.
    (git_dir / "HEAD").write_text("ref: refs/heads/main\n")
    (git_dir / "config").write_text(
        "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n"
    )
    (git_dir / "info" / "attributes").write_text(NEUTRAL_ATTRIBUTES)
    (git_dir / "info" / "exclude").write_text(HARNESS_EXCLUDES)
    drop_nested_git(layout.repo)
    run_git(layout, "add", "--all", "--force", ".")


def drop_nested_git(repo: Path) -> None:
    """Remove `.git` entries below the top of `repo` (never following symbolic links)."""
    for directory, subdirs, _ in os.walk(repo):
        if ".git" in subdirs:
            subdirs.remove(".git")
        if Path(directory) == repo:
            continue  # the top's own `.git` is never part of a diff
        nested = Path(directory) / ".git"
        if nested.is_symlink() or nested.is_file():
            nested.unlink()
        elif nested.is_dir():
            shutil.rmtree(nested)
