"""Export one agent version: its files plus a lineage manifest (`LINEAGE.json`).

The manifest lists every step from the root to the agent: the commit, the
message and metadata recorded when it was made (such as the problem statement
and job id), the diff from its parent, and whatever per-agent records the
caller passes in (evaluations, whether it was admitted, cost). The archive does
not read the run store; the caller brings those records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hgm.archive.archive import Archive
from hgm.archive.trees import MANIFEST_NAME

MANIFEST_SCHEMA_VERSION = 1


def lineage_manifest(
    archive: Archive, agent: int, records: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The manifest of `agent` as a JSON-ready dict (see the module docstring)."""
    records = records or {}
    steps = []
    for step in archive.lineage(agent):
        recorded = archive.record(step)
        steps.append(
            {
                "agent": step,
                "parent": recorded.parent,
                "commit": recorded.commit,
                "message": recorded.message,
                "metadata": recorded.metadata,
                "diff": None if recorded.parent is None else archive.diff(step),
                "record": dict(records.get(step, {})),
            }
        )
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "agent": agent,
        "commit": archive.commit_of(agent),
        "lineage": steps,
    }


def export(
    archive: Archive,
    agent: int,
    dest: Path,
    manifest_extra: Mapping[int, Mapping[str, Any]] | None = None,
) -> Path:
    """Write `agent`'s files into `dest` (new or empty) with `LINEAGE.json` beside them.

    `manifest_extra` maps agent ids to JSON-serialisable records that appear as
    each step's `record`. `LINEAGE.json` is never imported back, so `dest` can be
    the root of a new run as it is.
    """
    manifest = lineage_manifest(archive, agent, manifest_extra)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    archive.checkout(agent, dest)
    (dest / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return dest
