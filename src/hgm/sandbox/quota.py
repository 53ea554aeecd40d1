"""The work directory's quota: total size on disk and number of entries, polled.

No root needed and any file system works: the supervisor walks the work directory now
and then (`WorkdirQuota.due`/`check`) and kills the run when it holds more than
`disk_mb` MiB (allocated blocks, so sparse files count what they use) or more than
`files` files and directories. A walk stops as soon as a limit is passed; walks are
spaced so that they take at most about 5% of the time (at least 0.25 s apart, at most
20 s), so a fast writer can overshoot by what it writes between two walks. Each single
file is also bounded by RLIMIT_FSIZE (`file_size_mb`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

MIN_INTERVAL_S = 0.25
MAX_INTERVAL_S = 20.0
WALK_SHARE = 0.05
BLOCK_BYTES = 512


@dataclass(frozen=True, slots=True)
class Usage:
    bytes: int
    entries: int


def usage(root: Path, max_bytes: int | None = None, max_entries: int | None = None) -> Usage:
    """Bytes allocated to and entries (files, directories, links) under `root`, not
    counting `root` itself; stops early once past either maximum. Symlinks are not followed
    and entries that vanish or cannot be read are skipped."""
    total_bytes = entries = 0
    stack = [str(root)]
    while stack:
        try:
            scanner = os.scandir(stack.pop())
        except OSError:
            continue
        with scanner:
            for entry in scanner:
                entries += 1
                try:
                    info = entry.stat(follow_symlinks=False)
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                except OSError:
                    continue
                total_bytes += info.st_blocks * BLOCK_BYTES
                over_bytes = max_bytes is not None and total_bytes > max_bytes
                if over_bytes or (max_entries is not None and entries > max_entries):
                    return Usage(total_bytes, entries)
    return Usage(total_bytes, entries)


@dataclass
class WorkdirQuota:
    """Polls one work directory against its limits; `check()` says what was exceeded."""

    root: Path
    disk_mb: int | None
    files: int | None
    next_at: float = field(default_factory=lambda: time.monotonic() + MIN_INTERVAL_S)
    last: Usage | None = None

    @property
    def active(self) -> bool:
        return self.disk_mb is not None or self.files is not None

    def due(self, now: float) -> bool:
        return self.active and now >= self.next_at

    def check(self) -> str | None:
        """Walk now; None while within the quota, else which limit was passed."""
        started = time.monotonic()
        max_bytes = None if self.disk_mb is None else self.disk_mb * 1024 * 1024
        self.last = usage(self.root, max_bytes, self.files)
        spent = time.monotonic() - started
        self.next_at = started + min(MAX_INTERVAL_S, max(MIN_INTERVAL_S, spent / WALK_SHARE))
        if max_bytes is not None and self.last.bytes > max_bytes:
            return f"the work directory holds more than disk_mb = {self.disk_mb} MiB"
        if self.files is not None and self.last.entries > self.files:
            return f"the work directory holds more than files = {self.files} entries"
        return None
