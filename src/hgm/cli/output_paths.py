"""Checking where a command will write, before it does the work."""

from __future__ import annotations

import os
from pathlib import Path

from hgm.errors import UserError


def check_output_file(path: Path, option: str, suffixes: tuple[str, ...] = ()) -> None:
    """A UserError unless `path` can be written as a file: its directory exists and is
    writable, it is not a directory, and (given `suffixes`) it ends in one of them."""
    if path.is_dir():
        raise UserError(f"{option} {path}: is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"{option} {path}: directory {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{option} {path}: the file exists and is not writable")
    if suffixes and path.suffix.lower() not in suffixes:
        raise UserError(f"{option} {path}: the file name must end in {', '.join(suffixes)}")
