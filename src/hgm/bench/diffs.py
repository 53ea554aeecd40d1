"""Unified diffs as the only thing grading takes from an agent: read by git, restrict, apply.

Which files a diff touches is decided by git's own reading (`git apply --numstat -z
--summary`, forward and reversed), never by a hand-written splitter. The text is cut at
its `diff --git ` lines into sections only so that whole sections can be kept or dropped;
git then reads every section (all of them in one process, separated by patches whose names
carry a random token nobody can forge) and says which patches each one holds and which
paths they touch: a created file hidden after another file's hunk shows up as a second
patch of its section. A section is kept only when git reads at least one patch in it and
every path of every patch in it is allowed; when a section was left out, the kept diff is
read by git once more and must hold exactly the patches its sections held.

Diffs are `str`; bytes that are not UTF-8 (odd file names or contents) travel as
surrogate escapes (`errors="surrogateescape"`) and are encoded back exactly for git.
"""

from __future__ import annotations

import difflib
import re
import secrets
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hgm.bench.diff_reading import GitReading, git_env, read_with_git

LINK_MODES = ("120000", "160000")  # a symbolic link, a gitlink (submodule)
_SECTION_START = re.compile(r"^diff --git ", re.MULTILINE)
_ANY_HEADER = re.compile(r"^(diff --git |--- )", re.MULTILINE)
_LINK_HEADER = re.compile(
    r"^(?:new file mode|new mode|index [0-9a-fA-F]+\.\.[0-9a-fA-F]+) (?:120000|160000)\r?$",
    re.MULTILINE,
)
_LINK_SUMMARY = re.compile(r"(?:create mode|=>) (?:120000|160000) ")


class DiffApplyError(Exception):
    """`git apply` refused the diff; the message carries its stderr."""


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One section of a diff (from a `diff --git ` line to the next) and git's reading of it.

    `paths`: every path the section's patches touch, old and new names of renames and
    copies included (in the order git read them); `patches`: how many file patches git
    reads in it (one for a well-formed section, zero for text git ignores or cannot read);
    `binary`: a patch is a binary patch; `added`/`removed`: lines, as git counts them;
    `makes_symlink`: a patch creates a symbolic link or a gitlink, or changes a file's mode
    into one; `readable`: git could parse the section at all.
    """

    paths: tuple[str, ...]
    text: str
    makes_symlink: bool
    patches: int = 1
    binary: bool = False
    added: int = 0
    removed: int = 0
    readable: bool = True


def to_bytes(diff: str) -> bytes:
    """The exact bytes of a diff held as `str` (see the module docstring)."""
    return diff.encode("utf-8", "surrogateescape")


def from_bytes(raw: bytes) -> str:
    """A diff's bytes as `str`, losslessly (undecodable bytes become surrogate escapes)."""
    return raw.decode("utf-8", "surrogateescape")


def display_path(path: str) -> str:
    """A path fit for records and messages: undecodable bytes shown as `\\xNN`."""
    return to_bytes(path).decode("utf-8", "backslashreplace")


def _sections(diff: str) -> list[str]:
    """The text cut before each `diff --git ` line; text before the first is a section too."""
    starts = [match.start() for match in _SECTION_START.finditer(diff)]
    bounds = [0, *starts] if not starts or starts[0] != 0 else starts
    return [diff[a:b] for a, b in zip(bounds, [*bounds[1:], len(diff)], strict=True) if a < b]


def _read_section(text: str, reading: GitReading | None) -> FileDiff:
    if reading is None:
        return FileDiff((), text, False, patches=0, readable=False)
    paths = tuple(dict.fromkeys(p for pair in reading.paths for p in pair))
    makes_link = bool(_LINK_SUMMARY.search(reading.summary) or _LINK_HEADER.search(text))
    return FileDiff(
        paths,
        text,
        makes_link,
        patches=len(reading.paths),
        binary=reading.binary,
        added=reading.added,
        removed=reading.removed,
    )


def split_diff(diff: str) -> list[FileDiff]:
    """The diff's sections with git's reading of each (sections git reads no patch in and
    blank text are left out; unreadable sections are kept with `readable=False`)."""
    texts = [text for text in _sections(diff) if text.strip()]
    if not texts:
        return []
    readings = read_with_git([to_bytes(text) for text in texts], secrets.token_hex(16))
    sections = [_read_section(text, reading) for text, reading in zip(texts, readings, strict=True)]
    return [section for section in sections if section.patches or not section.readable]


def is_safe_path(path: str) -> bool:
    """A relative path inside the tree, not into git's own data."""
    pure = PurePosixPath(path)
    return (
        bool(path)
        and not pure.is_absolute()
        and ".." not in pure.parts
        and all(part.lower() != ".git" for part in pure.parts)
    )


def _keeps(section: FileDiff, allowed: Callable[[str], bool]) -> bool:
    return (
        section.readable
        and section.patches > 0
        and not section.makes_symlink
        and all(is_safe_path(path) and allowed(path) for path in section.paths)
    )


def _dropped_names(section: FileDiff) -> list[str]:
    if section.paths:
        return [display_path(path) for path in section.paths]
    first = section.text.split("\n", 1)[0][:200]
    return [f"(a section git cannot read: {display_path(first)})"]


def restrict_diff(diff: str, allowed: Callable[[str], bool]) -> tuple[str, list[str]]:
    """Keep only sections whose every path git reads is allowed: (kept diff, dropped paths).

    Sections that create symbolic links or gitlinks, touch paths outside the tree or into
    `.git`, or that git cannot read are always dropped. Dropped paths are for display
    (undecodable bytes as `\\xNN`), each once, in the order met.
    """
    sections = split_diff(diff)
    kept = [section for section in sections if _keeps(section, allowed)]
    dropped: list[str] = []
    for section in sections:
        if not _keeps(section, allowed):
            dropped.extend(name for name in _dropped_names(section) if name not in dropped)
    text = "".join(section.text for section in kept)
    # Each section was read where a `diff --git ` line follows it, as in the kept text, so
    # git reads the kept text as their patches; checked again whenever a section was left
    # out (when none was, `text` is the diff git has just read).
    if len(kept) < len(sections) and kept and not _reads_as(text, kept):
        # Never expected: the kept sections together read differently from one by one.
        every = [name for section in kept for name in _dropped_names(section)]
        return "", [*dropped, *(name for name in every if name not in dropped)]
    return text, dropped


def _reads_as(text: str, sections: list[FileDiff]) -> bool:
    """Whether git reads `text` as exactly the patches of `sections`, in order."""
    (reading,) = read_with_git([to_bytes(text)], secrets.token_hex(16))
    if reading is None:
        return False
    expected = [path for section in sections for path in section.paths]
    got = list(dict.fromkeys(p for pair in reading.paths for p in pair))
    return len(reading.paths) == sum(s.patches for s in sections) and got == list(
        dict.fromkeys(expected)
    )


def diff_is_empty(diff: str) -> bool:
    """True when git reads no file patch in the diff (git needs a `diff --git ` or a `--- `
    header line to see one, so text without either is empty without asking it)."""
    if not _ANY_HEADER.search(diff):
        return True
    return not any(section.patches for section in split_diff(diff))


def file_diff(path: str, old: str | None, new: str | None) -> str:
    """A git-style diff turning `old` into `new` for one text file (None: absent)."""
    if old == new:
        return ""
    old_lines = (old or "").splitlines(keepends=True)
    new_lines = (new or "").splitlines(keepends=True)
    header = [f"diff --git a/{path} b/{path}\n"]
    if old is None:
        header.append("new file mode 100644\n")
    elif new is None:
        header.append("deleted file mode 100644\n")
    body = difflib.unified_diff(
        old_lines,
        new_lines,
        fromfile="/dev/null" if old is None else f"a/{path}",
        tofile="/dev/null" if new is None else f"b/{path}",
    )
    out = list(header)
    for line in body:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def apply_diff(repo_dir: Path, diff: str) -> None:
    """Apply a diff inside `repo_dir` with `git apply`; DiffApplyError when it does not fit.

    A diff in which git reads no file patch changes nothing (and is no error).
    """
    if not diff.strip():
        return
    repo_dir = repo_dir.resolve()
    env = git_env(str(repo_dir)) | {"GIT_CEILING_DIRECTORIES": str(repo_dir.parent)}
    result = subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "-p1", "-"],
        cwd=repo_dir,
        input=to_bytes(diff),
        capture_output=True,
        env=env,
        check=False,
    )
    if result.returncode != 0 and not diff_is_empty(diff):
        message = result.stderr.decode(errors="replace").strip() or "unknown error"
        raise DiffApplyError(f"git apply failed: {message}")
