"""Offline dependencies of the test runners (crates, jars, Boost, warm caches, a prebuilt
Catch2 main), prepared on the host once by `hgm bench setup` and read-only in the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

from hgm.bench.cache import cache_dir


def deps_dir() -> Path:
    """`$HGM_DEPS`, else `<hgm cache>/deps`."""
    explicit = os.environ.get("HGM_DEPS")
    return Path(explicit).expanduser() if explicit else cache_dir() / "deps"
