"""Unified diffs as the only thing grading takes from an agent: split, restrict, make, apply."""

from __future__ import annotations

import difflib
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SYMLINK_MODE = "120000"


class DiffApplyError(Exception):
    """`git apply` refused the diff; the message carries its stderr."""


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file's section of a unified diff: every path it touches and its raw text."""

    paths: tuple[str, ...]
    text: str
    makes_symlink: bool


def _unquote(path: str) -> str:
    if len(path) >= 2 and path.startswith('"') and path.endswith('"'):
        raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1").decode("utf-8", "replace")
    return path


def _strip_prefix(path: str) -> str | None:
    path = _unquote(path.split("\t", 1)[0].rstrip("\n"))
    if path == "/dev/null":
        return None
    if path[:2] in ("a/", "b/"):
        return path[2:]
    return path


def _header_paths(header: str) -> list[str]:
    rest = header[len("diff --git ") :].rstrip("\n")
    if rest.startswith('"'):
        end = rest.index('"', 1)
        return [p for p in (_strip_prefix(rest[: end + 1]), _strip_prefix(rest[end + 2 :])) if p]
    if len(rest) % 2 == 1 and rest.startswith("a/"):
        half = (len(rest) - 5) // 2
        left, right = rest[: half + 2], rest[half + 3 :]
        if left[2:] == right[2:]:
            return [left[2:]]
    left, _, right = rest.partition(" b/")
    return [p for p in (_strip_prefix(left), right) if p]


def _section_of(lines: list[str]) -> FileDiff:
    paths: list[str] = []
    makes_symlink = False
    for line in lines:
        if line.startswith(("--- ", "+++ ")):
            path = _strip_prefix(line[4:])
            if path:
                paths.append(path)
        elif line.startswith(("rename from ", "rename to ", "copy from ", "copy to ")):
            paths.append(_unquote(line.split(" ", 2)[2].rstrip("\n")))
        elif line.startswith(("new file mode ", "new mode ")) and SYMLINK_MODE in line:
            makes_symlink = True
        elif line.startswith("@@"):
            break
    if not paths and lines and lines[0].startswith("diff --git "):
        paths = _header_paths(lines[0])
    return FileDiff(tuple(dict.fromkeys(paths)), "".join(lines), makes_symlink)


def split_diff(diff: str) -> list[FileDiff]:
    """Split a git-style (or plain unified) diff into per-file sections."""
    sections: list[list[str]] = []
    lines = diff.splitlines(keepends=True)
    git_style = any(line.startswith("diff --git ") for line in lines)
    for index, line in enumerate(lines):
        starts = (
            line.startswith("diff --git ")
            if git_style
            else line.startswith("--- ")
            and index + 1 < len(lines)
            and lines[index + 1].startswith("+++ ")
        )
        if starts:
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return [_section_of(section) for section in sections]


def _is_safe(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts


def restrict_diff(diff: str, allowed: Callable[[str], bool]) -> tuple[str, list[str]]:
    """Keep only sections whose every path is allowed; return (kept diff, dropped paths).

    Sections that create symlinks or touch paths outside the tree are always dropped.
    """
    kept: list[str] = []
    dropped: list[str] = []
    for section in split_diff(diff):
        ok = (
            bool(section.paths)
            and not section.makes_symlink
            and all(_is_safe(p) and allowed(p) for p in section.paths)
        )
        if ok:
            kept.append(section.text)
        else:
            dropped.extend(p for p in section.paths if p not in dropped)
    return "".join(kept), dropped


def diff_is_empty(diff: str) -> bool:
    """True when the diff changes no file."""
    return not split_diff(diff)


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
    """Apply a diff inside `repo_dir` with `git apply`; DiffApplyError when it does not fit."""
    if diff_is_empty(diff):
        return
    repo_dir = repo_dir.resolve()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CEILING_DIRECTORIES": str(repo_dir.parent),
        "HOME": str(repo_dir),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "-p1", "-"],
        cwd=repo_dir,
        input=diff.encode(),
        capture_output=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip() or "unknown error"
        raise DiffApplyError(f"git apply failed: {message}")
