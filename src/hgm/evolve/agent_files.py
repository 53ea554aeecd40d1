"""Reading files an agent wrote, on the host, without trusting them.

Everything under a job's `work/` directory was writable by untrusted code: any path
component may have become a symbolic link to a host file (a key, the run database), a
FIFO that blocks a reader, or a file of gigabytes. These helpers open each component
with `O_NOFOLLOW`, accept only regular files, and read a bounded number of bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 1024 * 1024
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def read_agent_file(base: Path, relative: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | None:
    """The first `max_bytes` of `base/relative`, or None when it is missing, not a regular
    file, or reached through a symbolic link. `base` itself is trusted (made by the host)."""
    parts = [part for part in relative.split("/") if part]
    if not parts or any(part in (".", "..") for part in parts):
        return None
    opened: list[int] = []
    try:
        directory = os.open(base, _DIR_FLAGS)
        opened.append(directory)
        for part in parts[:-1]:
            directory = os.open(part, _DIR_FLAGS, dir_fd=directory)
            opened.append(directory)
        handle = os.open(parts[-1], _FILE_FLAGS, dir_fd=directory)
        opened.append(handle)
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return None
        chunks: list[bytes] = []
        remaining = max_bytes
        while remaining > 0:
            chunk = os.read(handle, min(remaining, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        for descriptor in reversed(opened):
            with contextlib.suppress(OSError):
                os.close(descriptor)


def read_agent_json(
    base: Path, relative: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> dict[str, Any] | None:
    """A JSON object the agent wrote, or None when absent, unsafe, too big or not an object."""
    data = read_agent_file(base, relative, max_bytes + 1)
    if data is None or len(data) > max_bytes:
        return None
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
