"""Commit messages that carry an agent's identity and metadata as trailers.

A version's message is the caller's text, a blank line, then one paragraph of
trailers written and read only here:

    Hgm-Agent: 7
    Hgm-Parent: 3
    Hgm-Metadata: {"job_id": "...", "problem_statement": "..."}

The metadata is one line of JSON (newlines inside values are escaped), sorted by
key so that the same metadata always gives the same commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hgm.archive.errors import ArchiveError

AGENT_TRAILER = "Hgm-Agent"
PARENT_TRAILER = "Hgm-Parent"
METADATA_TRAILER = "Hgm-Metadata"


@dataclass(frozen=True, slots=True)
class AgentCommit:
    """One agent version as its commit records it."""

    agent: int
    parent: int | None
    commit: str
    git_parents: tuple[str, ...]
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)


def format_message(
    message: str, agent: int, parent: int | None, metadata: Mapping[str, Any]
) -> bytes:
    """The full commit message for `agent`; rejects metadata that JSON cannot hold."""
    text = message.strip() or f"agent {agent}"
    try:
        encoded = json.dumps(dict(metadata), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise ArchiveError(f"agent {agent}: metadata must be JSON-serialisable: {error}") from None
    trailers = [f"{AGENT_TRAILER}: {agent}"]
    if parent is not None:
        trailers.append(f"{PARENT_TRAILER}: {parent}")
    trailers.append(f"{METADATA_TRAILER}: {encoded}")
    return (text + "\n\n" + "\n".join(trailers) + "\n").encode("utf-8")


def parse_commit(commit: str, raw: bytes) -> AgentCommit:
    """Read `git cat-file commit` output back into an AgentCommit."""
    header, _, body = raw.decode("utf-8", errors="replace").partition("\n\n")
    git_parents = tuple(
        line.split(" ", 1)[1] for line in header.splitlines() if line.startswith("parent ")
    )
    text, _, last_paragraph = body.rstrip("\n").rpartition("\n\n")
    trailers: dict[str, str] = {}
    for line in last_paragraph.split("\n"):
        key, separator, value = line.partition(": ")
        if separator:
            trailers[key] = value
    if AGENT_TRAILER not in trailers or METADATA_TRAILER not in trailers:
        raise ArchiveError(f"commit {commit} is not an hgm agent version (no {AGENT_TRAILER})")
    try:
        agent = int(trailers[AGENT_TRAILER])
        parent = int(trailers[PARENT_TRAILER]) if PARENT_TRAILER in trailers else None
        metadata = json.loads(trailers[METADATA_TRAILER])
    except ValueError as error:
        raise ArchiveError(f"commit {commit}: unreadable hgm trailers: {error}") from None
    return AgentCommit(agent, parent, commit, git_parents, text, metadata)
