"""Where a root agent comes from: a plain directory, or a git repository and a ref.

`root_source` may be a directory of files (the shipped seed agent is one), a
local git repository (a directory with `.git` directly inside, or a bare
repository), or a git URL. For a repository the archive takes the tree of `ref`
(default HEAD): committed files only, uncommitted changes are not included.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.archive.errors import GitCommandError
from hgm.archive.git import Git
from hgm.archive.trees import materialize, write_tree
from hgm.errors import UserError

# scp-like `user@host:path` and `scheme://...` name remote repositories.
REMOTE_PATTERN = re.compile(r"^[a-z][a-z0-9+.-]*://|^[\w.-]+@[\w.-]+:")


@dataclass(frozen=True, slots=True)
class RootSource:
    """A root agent's origin, as recorded in the root commit's metadata."""

    location: str
    ref: str | None = None

    @classmethod
    def parse(cls, source: Path | str, ref: str | None = None) -> RootSource:
        """A local path is made absolute; a URL is kept as it is."""
        text = str(source)
        if REMOTE_PATTERN.match(text):
            return cls(text, ref)
        return cls(str(Path(text).expanduser().resolve()), ref)

    @property
    def is_repository(self) -> bool:
        if self.ref is not None or REMOTE_PATTERN.match(self.location):
            return True
        path = Path(self.location)
        is_bare = (path / "HEAD").is_file() and (path / "objects").is_dir()
        dot_git = path / ".git"
        # A `.git` directory with a HEAD, or a `.git` file (worktrees, submodules).
        return is_bare or (dot_git / "HEAD").is_file() or dot_git.is_file()

    def metadata(self) -> dict[str, Any]:
        kind = "git" if self.is_repository else "directory"
        return {"source": self.location, "source_kind": kind, "ref": self.ref}


def import_root(git: Git, source: RootSource) -> str:
    """Store the root agent's files in `git`'s repository; return the tree id.

    A repository's tree is fetched into a scratch repository, written out and
    imported like a directory, so the same files are skipped either way.
    """
    if not source.is_repository:
        path = Path(source.location)
        if not path.is_dir():
            raise UserError(
                f"root agent {source.location!r}: no such directory "
                "(give a directory of agent files, or a git repository path or URL)"
            )
        return write_tree(git, path)
    ref = source.ref or "HEAD"
    with tempfile.TemporaryDirectory(prefix="hgm-root-") as scratch:
        scratch_git = Git(Path(scratch) / "source.git")
        scratch_git.init_bare()
        try:
            scratch_git.run("fetch", "--quiet", "--no-tags", source.location, ref)
            commit = scratch_git.text("rev-parse", "--verify", "FETCH_HEAD^{commit}")
        except GitCommandError as error:
            raise UserError(
                f"root agent {source.location!r}: cannot read ref {ref!r} "
                f"(give a branch, tag or commit of that repository): {error.stderr.strip()}"
            ) from None
        files = materialize(scratch_git, commit, Path(scratch) / "files")
        return write_tree(git, files)
