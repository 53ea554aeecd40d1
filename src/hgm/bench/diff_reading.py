"""git's own reading of diff sections: which file patches each holds and what they touch.

All sections are read by one `git apply --numstat -z --summary` (and, when a section has
rename or copy headers, one more with `-R`, whose numstat names the old side of renames
and copies), with a separator patch after each section. A separator changes the mode of
a file whose name carries a random token, so no text inside a section can imitate it;
its numstat entry and summary line mark where the section's patches end. If git cannot
read the batch, each section is read alone and the ones git cannot read come back as None.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

_RENAME_OR_COPY = re.compile(rb"^(rename|copy) ", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class GitReading:
    """The patches git reads in one section.

    `paths`: per patch, (the name the reversed patch's numstat gives: the old name, or the
    new one of a creation; the name the numstat gives: the new name, or the old one of a
    deletion). `binary`: a patch is binary; `added`/`removed`: text lines; `summary`:
    git's `--summary` lines for the section (create/delete/rename/copy/mode change).
    """

    paths: tuple[tuple[str, str], ...]
    binary: bool
    added: int
    removed: int
    summary: str


@dataclass(frozen=True, slots=True)
class _Entry:
    added: str
    removed: str
    name: str


def git_env(home: str) -> dict[str, str]:
    """git with no user or system configuration and no inherited GIT_* variables."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }


def _separator_name(token: str, index: int) -> str:
    return f"hgm-section-end-{token}-{index}"


def _separator(token: str, index: int) -> bytes:
    name = _separator_name(token, index)
    return f"diff --git a/{name} b/{name}\nold mode 100644\nnew mode 100755\n".encode()


def _summary_line(token: str, index: int) -> str:
    return f" mode change 100644 => 100755 {_separator_name(token, index)}\n"


def _git_apply(batch: bytes, *options: str) -> bytes | None:
    """stdout of `git apply --numstat -z OPTIONS -` on `batch` outside any repository."""
    with tempfile.TemporaryDirectory(prefix="hgm-read-diff-") as empty:
        env = git_env(empty) | {"GIT_CEILING_DIRECTORIES": os.path.dirname(empty)}
        done = subprocess.run(
            ["git", "apply", "--numstat", "-z", *options, "-"],
            cwd=empty,
            input=batch,
            capture_output=True,
            env=env,
            check=False,
        )
    return done.stdout if done.returncode == 0 else None


def _entries(pieces: list[bytes]) -> list[_Entry] | None:
    entries = []
    for piece in pieces:
        fields = piece.split(b"\t", 2)
        if len(fields) != 3:
            return None
        added, removed, name = (field.decode("utf-8", "surrogateescape") for field in fields)
        entries.append(_Entry(added, removed, name))
    return entries


def _group(entries: list[_Entry], token: str, count: int) -> list[list[_Entry]] | None:
    """Entries per section, cut at the separators (which must come in order, each once)."""
    groups: list[list[_Entry]] = [[]]
    for entry in entries:
        if entry.name == _separator_name(token, len(groups) - 1):
            groups.append([])
        else:
            groups[-1].append(entry)
    if len(groups) != count + 1 or groups[-1]:
        return None
    return groups[:-1]


def _summaries(summary: str, token: str, count: int) -> list[str] | None:
    parts, start = [], 0
    for index in range(count):
        line = _summary_line(token, index)
        end = summary.find(line, start)
        if end < 0:
            return None
        parts.append(summary[start:end])
        start = end + len(line)
    return parts


def _reading(forward: list[_Entry], reverse: list[_Entry], summary: str) -> GitReading | None:
    if len(forward) != len(reverse):
        return None
    binary = any(entry.added == "-" for entry in forward)
    counts = [(e.added, e.removed) for e in forward if e.added.isdigit() and e.removed.isdigit()]
    return GitReading(
        paths=tuple((r.name, f.name) for f, r in zip(forward, reverse, strict=True)),
        binary=binary,
        added=sum(int(added) for added, _ in counts),
        removed=sum(int(removed) for _, removed in counts),
        summary=summary,
    )


def _reverse_groups(batch: bytes, token: str, count: int) -> list[list[_Entry]] | None:
    reverse_out = _git_apply(batch, "-R")
    if reverse_out is None:
        return None
    *pieces, tail = reverse_out.split(b"\0")
    reverse = _entries(pieces)
    if reverse is None or tail:
        return None
    return _group(reverse[::-1], token, count)  # -R lists the patches last first


def _read_batch(sections: list[bytes], token: str) -> list[GitReading | None] | None:
    batch = b"".join(
        part
        for index, section in enumerate(sections)
        for part in (
            section if section.endswith(b"\n") else section + b"\n",
            _separator(token, index),
        )
    )
    forward_out = _git_apply(batch, "--summary")
    if forward_out is None:
        return None
    *pieces, summary_bytes = forward_out.split(b"\0")
    forward = _entries(pieces)
    count = len(sections)
    forward_groups = None if forward is None else _group(forward, token, count)
    summaries = _summaries(summary_bytes.decode("utf-8", "surrogateescape"), token, count)
    if forward_groups is None or summaries is None:
        return None
    # Only renames and copies name another path on their old side, and git sets them only
    # from `rename ...`/`copy ...` header lines: without one, both sides are the same name.
    reverse_groups = (
        _reverse_groups(batch, token, count)
        if any(_RENAME_OR_COPY.search(section) for section in sections)
        else forward_groups
    )
    if reverse_groups is None:
        return None
    return [
        _reading(f, r, s) for f, r, s in zip(forward_groups, reverse_groups, summaries, strict=True)
    ]


def read_with_git(sections: list[bytes], token: str) -> list[GitReading | None]:
    """git's reading of each section (None: git cannot read that section)."""
    readings = _read_batch(sections, token)
    if readings is not None:
        return readings
    if len(sections) == 1:
        return [None]
    return [(_read_batch([section], token) or [None])[0] for section in sections]
