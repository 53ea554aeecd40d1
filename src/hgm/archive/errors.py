"""What can go wrong in the archive, as exceptions that say what and what is allowed."""

from __future__ import annotations

from hgm.errors import UserError


class ArchiveError(Exception):
    """The archive cannot do what was asked: a git failure, a corrupt or conflicting state."""


class GitCommandError(ArchiveError):
    """A git command failed; carries the command line and git's own message."""

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        self.args_run = args
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"git {' '.join(args)} failed (exit {returncode}): {stderr.strip()}")


class UnknownAgentError(UserError):
    """An agent id that the archive does not hold (usually a typo on the command line)."""


class AgentExistsError(ArchiveError):
    """A child id that already names a different version: agent ids are never reused."""
