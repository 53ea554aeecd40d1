"""The archive of one run: every agent version is a commit in `<run>/agents.git`.

`refs/agents/<id>` names each version. A child's commit has its parent agent's
commit as its only git parent, so the tree of agents is the commit graph. A
child's objects are written first and its ref last (one atomic `update-ref`
that refuses to overwrite), so a crash leaves either the whole version or none
of it. Any number of threads may read and commit at once: each operation uses
its own temporary index, and ref writes are serialized by an exclusive lock on
`hgm-write.lock` (which also holds between processes).
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hgm.archive.errors import AgentExistsError, ArchiveError, GitCommandError, UnknownAgentError
from hgm.archive.git import Git
from hgm.archive.messages import AgentCommit, format_message, parse_commit
from hgm.archive.sources import RootSource, import_root
from hgm.archive.trees import materialize, prepare_destination, write_tree
from hgm.errors import UserError

REF_PREFIX = "refs/agents/"
WRITE_LOCK_NAME = "hgm-write.lock"


def agent_ref(agent: int) -> str:
    """The ref naming `agent`; agent ids are non-negative integers."""
    if isinstance(agent, bool) or not isinstance(agent, int) or agent < 0:
        raise UserError(f"agent id {agent!r} is not allowed: agent ids are integers >= 0")
    return f"{REF_PREFIX}{agent}"


def agent_of_ref(name: str) -> int | None:
    """The agent id a ref names, or None for anything but `refs/agents/<canonical integer>`."""
    suffix = name.removeprefix(REF_PREFIX)
    if name == suffix or not (suffix.isascii() and suffix.isdigit()):
        return None
    agent = int(suffix)
    return agent if str(agent) == suffix else None


class Archive:
    """Agent versions of one run as git commits; see the module docstring."""

    def __init__(self, path: Path, git: Git) -> None:
        self.path = path.absolute()
        self._git = git

    @classmethod
    def create(
        cls, path: Path, root_source: Path | str, root_agent: int = 0, ref: str | None = None
    ) -> Archive:
        """A new archive at `path` whose root version `root_agent` is `root_source`'s files.

        `root_source` is a directory, a git repository path or a git URL (then
        `ref`, default HEAD, picks the version). Nothing is left behind on failure.
        """
        root_ref = agent_ref(root_agent)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise UserError(f"{path} already exists and is not empty: an archive is made only once")
        source = RootSource.parse(root_source, ref)
        git = Git(path)
        try:
            git.init_bare()
            tree = import_root(git, source)
            message = format_message(
                f"root agent from {source.location}", root_agent, None, source.metadata()
            )
            commit = git.text("commit-tree", tree, stdin=message)
            git.run("update-ref", root_ref, commit, "")
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return cls(path, git)

    @classmethod
    def open(cls, path: Path) -> Archive:
        """The existing archive at `path`; a clear error when there is none."""
        if not (path / "HEAD").is_file() or not (path / "objects").is_dir():
            raise UserError(f"{path}: not an agent archive (expected a bare git repository)")
        return cls(path, Git(path))

    # Reading -------------------------------------------------------------------------

    def _refs(self) -> dict[str, str]:
        """Every ref under refs/agents/, name -> object id (broken refs included)."""
        listing = self._git.text(
            "for-each-ref", "--format=%(refname) %(objectname)", REF_PREFIX.rstrip("/")
        )
        pairs = (line.split(" ", 1) for line in listing.splitlines() if line)
        return {name: object_id for name, object_id in pairs}

    def _agent_commits(self) -> dict[int, str]:
        """Agent id -> commit id for every well-named ref."""
        found = {}
        for name, object_id in self._refs().items():
            agent = agent_of_ref(name)
            if agent is not None:
                found[agent] = object_id
        return found

    def agents(self) -> list[int]:
        """Every agent id in the archive, ascending."""
        return sorted(self._agent_commits())

    def has(self, agent: int) -> bool:
        return agent in self._agent_commits()

    def commit_of(self, agent: int) -> str:
        """The commit id of `agent`'s version."""
        ref = agent_ref(agent)
        try:
            return self._git.text("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except GitCommandError:
            known = self.agents()
            span = f"{known[0]}..{known[-1]}" if known else "none"
            raise UnknownAgentError(
                f"agent {agent} is not in the archive {self.path} "
                f"(it holds {len(known)} agents, ids {span})"
            ) from None

    def record(self, agent: int) -> AgentCommit:
        """What `agent`'s commit records: parent agent, message, metadata, git parents."""
        commit = self.commit_of(agent)
        return parse_commit(commit, self._git.run("cat-file", "commit", commit))

    def lineage(self, agent: int) -> list[int]:
        """Agent ids from the root to `agent` (inclusive), read from the commit graph."""
        commit = self.commit_of(agent)
        by_commit = {sha: agent_id for agent_id, sha in self._agent_commits().items()}
        chain = self._git.text("rev-list", "--first-parent", commit).split()
        missing = [sha for sha in chain if sha not in by_commit]
        if missing:
            raise ArchiveError(
                f"agent {agent}: ancestor commit {missing[0]} has no agent ref "
                "(run verify() to list archive problems)"
            )
        return [by_commit[sha] for sha in reversed(chain)]

    def diff(self, agent: int, against: int | None = None) -> str:
        """Unified diff from `against` (default: `agent`'s parent) to `agent`.

        Binary files appear as git binary patches (`git apply` can apply the whole
        diff); text that is not UTF-8 is decoded with replacement characters. The
        root's diff against nothing is its whole content.
        """
        commit = self.commit_of(agent)
        if against is None:
            patch = self._git.run("diff-tree", "-p", "--binary", "--root", "--no-commit-id", commit)
        else:
            base = self.commit_of(against)
            patch = self._git.run("diff-tree", "-p", "--binary", base, commit)
        return patch.decode("utf-8", errors="replace")

    def checkout(self, agent: int, dest: Path, *, with_git: bool = False) -> Path:
        """Write `agent`'s files into `dest` (created; must not exist or be empty).

        With `with_git`, `dest` is also a git repository on branch `agent-<id>`
        holding that version's history; without it there is no `.git` inside.
        """
        commit = self.commit_of(agent)
        if not with_git:
            return materialize(self._git, commit, dest)
        prepare_destination(dest)
        clone = Git(dest / ".git")
        branch = f"agent-{agent}"
        clone.run("init", "--quiet", str(dest.absolute()), bare=True)
        source = f"{agent_ref(agent)}:refs/heads/{branch}"
        clone.run("fetch", "--quiet", "--no-tags", str(self.path), source)
        clone.run("checkout", "--quiet", branch, work_tree=dest, cwd=dest)
        return dest

    def bundle(self, agent: int) -> bytes:
        """A git bundle of `agent`'s commit and its ancestors, under `refs/agents/<id>`
        (for a machine that has no access to this archive, see hgm.distributed)."""
        self.commit_of(agent)  # a clear error for an unknown agent
        return self._git.run("bundle", "create", "--quiet", "-", agent_ref(agent))

    # Writing -------------------------------------------------------------------------

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Exclusive between threads (each opens its own descriptor) and processes."""
        with open(self.path / WRITE_LOCK_NAME, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def commit_child(
        self,
        parent: int,
        child: int,
        worktree: Path,
        message: str,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Store `worktree`'s files as agent `child` of `parent`; return the commit id.

        `metadata` (JSON-serialisable: problem statement, job id, ...) is kept in
        the commit message. Idempotent: committing the same child again returns the
        same id; a different version under an existing id raises AgentExistsError.
        """
        child_ref = agent_ref(child)
        if child == parent:
            raise ArchiveError(f"agent {child} cannot be its own parent")
        parent_commit = self.commit_of(parent)
        tree = write_tree(self._git, worktree)
        text = format_message(message, child, parent, metadata or {})
        commit = self._git.text("commit-tree", tree, "-p", parent_commit, stdin=text)
        with self._write_lock():
            existing = self._agent_commits().get(child)
            if existing == commit:
                return commit
            if existing is not None:
                raise AgentExistsError(
                    f"agent {child} already exists as commit {existing}: agent ids are never reused"
                )
            self._git.run("update-ref", child_ref, commit, "")
        return commit

    # Checking ------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Problems in the archive (empty when sound), one sentence each."""
        problems = []
        refs = self._refs()
        commits = self._agent_commits()
        if not commits:
            problems.append("the archive holds no agent versions (its creation did not finish)")
        problems.extend(
            f"{name}: not an agent ref (agent refs are {REF_PREFIX}<integer>)"
            for name in refs
            if agent_of_ref(name) is None
        )
        for agent, sha in sorted(commits.items()):
            try:
                raw = self._git.run("cat-file", "commit", sha)
            except GitCommandError:
                problems.append(f"agent {agent}: ref points to {sha}, which is not a commit here")
                continue
            try:
                record = parse_commit(sha, raw)
            except ArchiveError as error:
                problems.append(f"agent {agent}: {error}")
                continue
            problems.extend(self._record_problems(agent, record, commits))
        return problems

    @staticmethod
    def _record_problems(agent: int, record: AgentCommit, commits: dict[int, str]) -> list[str]:
        """What is wrong with one version's commit, given every agent's commit id."""
        if record.agent != agent:
            return [f"agent {agent}: ref points to the commit of agent {record.agent}"]
        if record.parent is None:
            if record.git_parents:
                return [f"agent {agent}: a root version but its commit has git parents"]
            return []
        expected = commits.get(record.parent)
        if expected is None:
            return [f"agent {agent}: parent agent {record.parent} is not in the archive"]
        if record.git_parents != (expected,):
            return [
                f"agent {agent}: git parent {', '.join(record.git_parents) or 'none'} "
                f"is not parent agent {record.parent}'s commit {expected}"
            ]
        return []
