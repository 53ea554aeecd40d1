"""Reading git's output about a job's repository as it streams, never holding more than asked.

`changed_files` reads `git diff --raw -z` (what changed, without file contents) up to a
number of entries, then stops git; `take_sections` reads `git diff --binary` line by line
and keeps only the file sections that fit in a byte budget, first come first served in
git's path order, measuring the others without keeping them.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

CHUNK_BYTES = 1 << 16
_HEADER = b"diff --git "
_ESCAPES = {ord(k): v for k, v in zip('abtnvfr"\\', '\a\b\t\n\v\f\r"\\', strict=True)}


class TooManyFiles(Exception):
    """More files changed than the listing may hold."""


class GitOutputError(Exception):
    """git failed, or wrote something that is not what was asked for."""


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One entry of `git diff --raw`: status letter (A, M, D, T), modes, the old blob, path."""

    status: str
    old_mode: str
    new_mode: str
    old_blob: str
    path: bytes


@dataclass(frozen=True, slots=True)
class Section:
    """One file's section of git's diff: its path, its size, its bytes if it was kept."""

    path: bytes
    size: int
    data: bytes | None


@contextmanager
def _streaming(command: list[str], env: dict[str, str], cwd: str) -> Iterator[IO[bytes]]:
    """git's stdout to read as it comes; git is killed if the reader stops early."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        try:
            yield process.stdout
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            process.stdout.close()
        if process.wait() != 0:
            errors.seek(0)
            message = errors.read(4000).decode(errors="replace").strip()
            raise GitOutputError(f"git diff failed: {message}")


def changed_files(
    command: list[str], env: dict[str, str], cwd: str, limit: int
) -> list[ChangedFile]:
    """The entries of a `git diff --raw -z --no-abbrev` command; TooManyFiles past `limit`."""
    entries: list[ChangedFile] = []
    pending = b""
    with _streaming(command, env, cwd) as stdout:
        while chunk := stdout.read(CHUNK_BYTES):
            fields = (pending + chunk).split(b"\0")
            pending = fields.pop()
            if len(fields) % 2:  # a header whose path has not arrived yet
                pending = fields.pop() + b"\0" + pending
            for header, path in zip(fields[::2], fields[1::2], strict=True):
                old_mode, new_mode, old_blob, _, status = header.lstrip(b":").split(b" ")
                entries.append(
                    ChangedFile(status.decode()[:1], old_mode.decode(), new_mode.decode(),
                                old_blob.decode(), path)
                )  # fmt: skip
            if len(entries) > limit:
                raise TooManyFiles(f"more than {limit} files changed")
    return entries


def unquote_path(quoted: bytes) -> bytes:
    """A path as git's C-style quoting wrote it (`"a\\tb"`), back to its bytes."""
    if not (len(quoted) >= 2 and quoted[:1] == b'"' and quoted[-1:] == b'"'):
        return quoted
    body, out, index = quoted[1:-1], bytearray(), 0
    while index < len(body):
        byte = body[index]
        if byte != ord("\\"):
            out.append(byte)
            index += 1
        elif body[index + 1 : index + 2].isdigit():
            out.append(int(body[index + 1 : index + 4], 8))
            index += 4
        else:
            out.extend(_ESCAPES.get(body[index + 1], "").encode())
            index += 2
    return bytes(out)


def header_path(header: bytes) -> bytes:
    """The path of a `diff --git a/P b/P` line of git's own output (no renames: both sides
    name the same path, so the line splits in two equal halves)."""
    rest = header[len(_HEADER) :].rstrip(b"\n")
    first = unquote_path(rest[: (len(rest) - 1) // 2])
    return first[2:] if first[:2] == b"a/" else first


def _closed(sections: list[Section], path: bytes, size: int, kept: list[bytes] | None) -> int:
    """Append the section just read; the bytes it adds to the budget used."""
    sections.append(Section(path, size, None if kept is None else b"".join(kept)))
    return 0 if kept is None else size


def take_sections(command: list[str], env: dict[str, str], cwd: str, budget: int) -> list[Section]:
    """Every section of a `git diff` command with its size; its bytes when it fits.

    Sections are kept first come first served while their total stays within `budget`;
    the lines of a section that does not fit are read and dropped as they come. (In git's
    own output only section headers start with `diff --git `: content lines carry a
    prefix, binary lines have no spaces, odd paths are quoted.)
    """
    sections: list[Section] = []
    used = 0
    path: bytes | None = None  # the open section: its path, size and kept lines
    size = 0
    kept: list[bytes] | None = None
    with _streaming(command, env, cwd) as stdout:
        for line in stdout:
            if line.startswith(_HEADER):
                if path is not None:
                    used += _closed(sections, path, size, kept)
                path, size, kept = header_path(line), 0, []
            elif path is None:
                raise GitOutputError("git diff output does not start with a diff --git line")
            size += len(line)
            if kept is not None and used + size > budget:
                kept = None
            if kept is not None:
                kept.append(line)
        if path is not None:
            _closed(sections, path, size, kept)
    return sections
