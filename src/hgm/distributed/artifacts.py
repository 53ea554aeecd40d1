"""A job's directory sent back from a node: one gzip tar, bounded in size, unpacked safely.

What fits goes, most useful first: the records (`record.json`, `failure.json`,
`diagnosis.json`), then every other file from the smallest up, until `limit` bytes of
file content; what does not fit is named in `LEFT_OUT.json` beside them. Only regular
files, directories and symbolic links that stay inside the job directory travel (an
agent may leave anything in its workspace); unpacking refuses anything else too.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

LEFT_OUT = "LEFT_OUT.json"
FIRST = ("record.json", "failure.json", "diagnosis.json")


@dataclass(frozen=True, slots=True)
class Packed:
    data: bytes
    left_out: tuple[str, ...]


def _link_stays_inside(link: Path, job_dir: Path) -> bool:
    target = os.readlink(link)
    if os.path.isabs(target):
        return False
    resolved = os.path.normpath(os.path.join(link.parent.relative_to(job_dir), target))
    return resolved != ".." and not resolved.startswith(".." + os.sep)


def _members(job_dir: Path, exclude: tuple[str, ...]) -> tuple[list[Path], list[Path], list[str]]:
    """(directories, files and safe links, paths left out for their kind) under `job_dir`."""
    directories: list[Path] = []
    files: list[Path] = []
    refused: list[str] = []
    for directory, subdirs, names in os.walk(job_dir):
        base = Path(directory)
        if base == job_dir:
            subdirs[:] = [name for name in subdirs if name not in exclude]
            names = [name for name in names if name not in exclude]
        links = [name for name in subdirs if (base / name).is_symlink()]
        subdirs[:] = [name for name in subdirs if name not in links]
        directories.extend(base / name for name in subdirs)
        for name in [*names, *links]:
            path = base / name
            if path.is_symlink():
                if _link_stays_inside(path, job_dir):
                    files.append(path)
                else:
                    refused.append(str(path.relative_to(job_dir)))
            elif path.is_file():
                files.append(path)
            else:
                refused.append(str(path.relative_to(job_dir)))
    return directories, files, refused


def _size(path: Path) -> int:
    return 0 if path.is_symlink() else path.stat().st_size


def pack(job_dir: Path, limit: int, exclude: tuple[str, ...] = ()) -> Packed:
    """`job_dir` as a bounded tar (see the module docstring); `exclude`: top-level names."""
    directories, files, left_out = _members(job_dir, exclude)
    files.sort(key=lambda path: (path.name not in FIRST or path.parent != job_dir, _size(path)))
    buffer = io.BytesIO()
    used = 0
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for directory in directories:
            archive.add(directory, arcname=str(directory.relative_to(job_dir)), recursive=False)
        for path in files:
            size = _size(path)
            if used + size > limit:
                left_out.append(str(path.relative_to(job_dir)))
                continue
            used += size
            archive.add(path, arcname=str(path.relative_to(job_dir)), recursive=False)
        if left_out:
            listing = json.dumps(sorted(left_out), indent=1).encode()
            info = tarfile.TarInfo(LEFT_OUT)
            info.size = len(listing)
            archive.addfile(info, io.BytesIO(listing))
    return Packed(buffer.getvalue(), tuple(sorted(left_out)))


def unpack(data: bytes, dest: Path) -> None:
    """Unpack a `pack` result into `dest` (which exists); nothing lands outside it."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(dest, filter="data")
