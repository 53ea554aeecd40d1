"""On a node: agent versions unpacked from the bundles the head ships, cached by commit.

`<node_dir>/agents/<commit>/` holds the files of one agent version; a copy is made in a
temporary directory and renamed into place, so one that exists is complete (several
worker processes of a node may race: the first one wins). The bundle itself is fetched
from Ray's object store only when the node does not have the version yet.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.archive.archive import agent_ref
from hgm.archive.git import Git
from hgm.archive.trees import materialize


@dataclass(frozen=True, slots=True)
class AgentBundle:
    """An agent version as it travels: its id, its commit and a Ray reference to its bundle."""

    agent: int
    commit: str
    bundle: Any  # ray.ObjectRef[bytes], fetched only on a miss

    def directory(self, node_dir: Path) -> Path:
        """The agent's files on this node (read them, never change them)."""
        final = node_dir / "agents" / self.commit
        if final.is_dir():
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        import ray

        data: bytes = ray.get(self.bundle)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.commit[:12]}-", dir=final.parent))
        try:
            bundle_file = staging / "agent.bundle"
            bundle_file.write_bytes(data)
            git = Git(staging / "repo.git")
            git.init_bare()
            ref = agent_ref(self.agent)
            git.run("fetch", "--quiet", "--no-tags", str(bundle_file), f"{ref}:{ref}")
            materialize(git, self.commit, staging / "agent")
            try:
                (staging / "agent").rename(final)
            except OSError:  # another worker process got there first
                if not final.is_dir():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return final
