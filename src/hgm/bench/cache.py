"""Where hgm keeps downloaded benchmarks and warm toolchain caches on the host."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`$HGM_CACHE`, else `$XDG_CACHE_HOME/hgm`, else `~/.cache/hgm`."""
    explicit = os.environ.get("HGM_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "hgm"
