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
from dataclasses import dataclass, field
from typing import IO

CHUNK_BYTES = 1 << 16
_HEADER = b"diff --git "
_LINK_HEADERS = tuple(
    f"{header} {mode}".encode()
    for header in ("new file mode", "new mode")
    for mode in ("120000", "160000")
)
_ESCAPES = {ord(k): v for k, v in zip('abtnvfr"\\', '\a\b\t\n\v\f\r"\\', strict=True)}


class TooManyFiles(Exception):
    """More files changed than the listing may hold."""


class GitOutputError(Exception):
    """git failed, or wrote something that is not what was asked for."""


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One entry of `git diff --raw`: its status letter (A, M, D, T) and path."""

    status: str
    path: bytes


@dataclass(frozen=True, slots=True)
class Section:
    """One file's section of git's diff: its path, its size, its bytes if it was kept, and
    what it holds (lines added and removed, a binary patch, a link made)."""

    path: bytes
    size: int
    data: bytes | None
    added: int = 0
    removed: int = 0
    binary: bool = False
    makes_link: bool = False


@dataclass(slots=True)
class _Reading:
    """The section being read (git's own output: its header lines, then hunks or a binary
    patch; after the first `@@ ` line every `+`/`-` line is content)."""

    path: bytes
    kept: list[bytes] | None = field(default_factory=list)
    size: int = 0
    added: int = 0
    removed: int = 0
    binary: bool = False
    makes_link: bool = False
    in_hunks: bool = False

    def feed(self, line: bytes) -> None:
        self.size += len(line)
        if self.in_hunks:
            self.added += line[:1] == b"+"
            self.removed += line[:1] == b"-"
        elif line.startswith(b"@@ "):
            self.in_hunks = True
        elif line == b"GIT binary patch\n":
            self.binary = True
        elif line.startswith(_LINK_HEADERS):
            self.makes_link = True

    def section(self) -> Section:
        data = None if self.kept is None else b"".join(self.kept)
        return Section(
            self.path, self.size, data, self.added, self.removed, self.binary, self.makes_link
        )


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
                status = header.rsplit(b" ", 1)[-1]
                entries.append(ChangedFile(status.decode()[:1], path))
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


def take_sections(command: list[str], env: dict[str, str], cwd: str, budget: int) -> list[Section]:
    """Every section of a `git diff` command with its size; its bytes when it fits.

    Sections are kept first come first served while their total stays within `budget`;
    the lines of a section that does not fit are read and dropped as they come. (In git's
    own output only section headers start with `diff --git `: content lines carry a
    prefix, binary lines have no spaces, odd paths are quoted.)
    """
    sections: list[Section] = []
    used = 0
    reading: _Reading | None = None
    with _streaming(command, env, cwd) as stdout:
        for line in stdout:
            if line.startswith(_HEADER):
                if reading is not None:
                    sections.append(reading.section())
                    used += reading.size if reading.kept is not None else 0
                reading = _Reading(header_path(line))
            elif reading is None:
                raise GitOutputError("git diff output does not start with a diff --git line")
            reading.feed(line)
            if reading.kept is not None and used + reading.size > budget:
                reading.kept = None
            if reading.kept is not None:
                reading.kept.append(line)
        if reading is not None:
            sections.append(reading.section())
    return sections
