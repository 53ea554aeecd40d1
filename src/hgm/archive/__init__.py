"""hgm.archive: agent versions as git commits; diff, checkout, lineage, export, verify."""

from hgm.archive.archive import Archive
from hgm.archive.errors import AgentExistsError, ArchiveError, GitCommandError, UnknownAgentError
from hgm.archive.export import export, lineage_manifest
from hgm.archive.messages import AgentCommit

__all__ = [
    "AgentCommit",
    "AgentExistsError",
    "Archive",
    "ArchiveError",
    "GitCommandError",
    "UnknownAgentError",
    "export",
    "lineage_manifest",
]
