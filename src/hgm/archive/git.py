"""Running the `git` CLI on one repository with an isolated, deterministic environment.

Every command runs with the user's global and system git configuration switched
off (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`, `HOME` pointing to a
private temporary directory) and with any `GIT_*` variables inherited from the
caller removed, so neither the user's settings nor a surrounding repository can
change what the archive stores. Authors, committers and dates are fixed, so the
same inputs always give the same commit ids.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hgm.archive.errors import GitCommandError

IDENTITY_NAME = "hgm"
IDENTITY_EMAIL = "hgm@localhost"
# Commit dates are fixed (2000-01-01 UTC): when an agent was made is the run store's
# business, and fixed dates make commit ids reproducible and commit_child idempotent.
FIXED_DATE = "@946684800 +0000"
# Attributes with the highest precedence, neutralising any `.gitattributes` an agent
# ships: bytes go in and come out exactly as they are (no eol or filter conversion).
NEUTRAL_ATTRIBUTES = "* -text -eol -filter -ident -working-tree-encoding -export-subst\n"


def isolated_environment(home: Path) -> dict[str, str]:
    """The caller's environment without git's influence, plus the fixed identity and dates."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") and key not in ("HOME", "XDG_CONFIG_HOME")
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME=IDENTITY_NAME,
        GIT_AUTHOR_EMAIL=IDENTITY_EMAIL,
        GIT_AUTHOR_DATE=FIXED_DATE,
        GIT_COMMITTER_NAME=IDENTITY_NAME,
        GIT_COMMITTER_EMAIL=IDENTITY_EMAIL,
        GIT_COMMITTER_DATE=FIXED_DATE,
        LC_ALL="C",
    )
    return env


class Git:
    """The git CLI bound to one repository (`git_dir`), safe to share between threads."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir.absolute()
        self._home = tempfile.TemporaryDirectory(prefix="hgm-git-home-")
        self._env = isolated_environment(Path(self._home.name))

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        cwd: Path | None = None,
        work_tree: Path | None = None,
        index_file: Path | None = None,
        bare: bool = False,
    ) -> bytes:
        """Run `git args...` on this repository and return its standard output.

        `work_tree` and `index_file` give the command a private working tree and
        index (so concurrent commands never share one); `bare=True` runs git
        without a repository (for `init`). Raises GitCommandError.
        """
        command = ["git"]
        if not bare:
            command.append(f"--git-dir={self.git_dir}")
        if work_tree is not None:
            command.append(f"--work-tree={work_tree.absolute()}")
        command.extend(args)
        env: Mapping[str, str] = self._env
        if index_file is not None:
            env = {**self._env, "GIT_INDEX_FILE": str(index_file)}
        completed = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            cwd=cwd.absolute() if cwd is not None else self._home.name,
            env=env,
            check=False,
        )
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", errors="replace")
            raise GitCommandError(list(args), completed.returncode, stderr)
        return completed.stdout

    def text(self, *args: str, stdin: bytes | None = None) -> str:
        """Like run, decoded and stripped (for ids, ref names and other short answers)."""
        return self.run(*args, stdin=stdin).decode("utf-8", errors="replace").strip()

    def init_bare(self) -> None:
        """Create this repository, bare, with settings that keep its history intact."""
        self.run("init", "--quiet", "--bare", str(self.git_dir), bare=True)
        self.run("config", "gc.auto", "0")
        self.run("config", "core.fsync", "committed,reference")
        self.run("config", "core.fileMode", "true")
        self.run("config", "core.symlinks", "true")
        info = self.git_dir / "info"
        info.mkdir(exist_ok=True)
        (info / "attributes").write_text(NEUTRAL_ATTRIBUTES, encoding="utf-8")
