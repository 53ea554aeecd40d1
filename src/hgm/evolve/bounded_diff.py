"""The diff of a job's repository, taken by git on the host, streamed and capped.

An agent may write hundreds of MiB into its repository; the host never holds more than the
cap (`AgentLimits.max_diff_bytes`, 4 MiB by default) of it:

1. `git diff --raw` lists what changed without reading contents (at most
   MAX_CHANGED_FILES entries: beyond that no diff is taken at all, and the job says why);
2. a file whose size now exceeds the cap is left out without git ever diffing it (hidden
   in a throw-away copy of the snapshot's index);
3. `git diff --binary` streams the rest; file sections are kept in git's path order while
   they fit in the cap, and a section that does not fit is read, measured and dropped.

Every file left out is reported (`OmittedFile`: path, bytes, why), so a record says what
the diff lacks. Binary files within the cap stay in the diff; graders keep only the files
their task allows (`hgm.bench.diffs.restrict_diff`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from hgm.bench.diffs import FileDiff, display_path, from_bytes
from hgm.evolve.diff_stream import (
    ChangedFile,
    GitOutputError,
    Section,
    TooManyFiles,
    changed_files,
    take_sections,
)
from hgm.evolve.workspace import (
    GIT_SETTINGS,
    JobLayout,
    WorkspaceError,
    drop_nested_git,
    git_env,
    run_git,
)

MIB = 1024 * 1024
DEFAULT_MAX_DIFF_BYTES = 4 * MIB
MAX_CHANGED_FILES = 20_000
OMITTED_SHOWN = 100
_DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-renames")


@dataclass(frozen=True, slots=True)
class OmittedFile:
    """A changed file the diff leaves out: its path (for display), its bytes, why."""

    path: str
    bytes: int
    reason: str


@dataclass(frozen=True, slots=True)
class RepoDiff:
    """The capped diff, its file sections as git wrote them (`files`: path, text, lines
    added and removed, binary), the files it leaves out (the first OMITTED_SHOWN of
    `omitted_count`) and, when no diff could be taken, why (`error`)."""

    text: str = ""
    files: tuple[FileDiff, ...] = ()
    omitted: tuple[OmittedFile, ...] = ()
    omitted_count: int = 0
    max_bytes: int = DEFAULT_MAX_DIFF_BYTES
    error: str | None = None


def _git_command(*args: str) -> list[str]:
    return ["git", *(part for setting in GIT_SETTINGS for part in ("-c", setting)), *args]


def _sizes(layout: JobLayout, files: list[ChangedFile]) -> list[int]:
    """Per file, its size now (lstat; 0 when deleted). A big pristine file deleted or
    shrunk is not known here: its section streams and is dropped when it does not fit."""
    sizes = []
    for entry in files:
        try:
            sizes.append(os.lstat(layout.repo / os.fsdecode(entry.path)).st_size)
        except OSError:
            sizes.append(0)
    return sizes


def _hide(layout: JobLayout, index: str, files: list[ChangedFile]) -> None:
    """Make `git diff` on `index` pass over `files`: new files leave the index, tracked ones
    are marked unchanged."""
    new = b"".join(entry.path + b"\0" for entry in files if entry.status == "A")
    tracked = b"".join(entry.path + b"\0" for entry in files if entry.status != "A")
    for option, paths in (("--force-remove", new), ("--assume-unchanged", tracked)):
        if paths:
            run_git(layout, "update-index", option, "-z", "--stdin", stdin=paths, index=index)


def _file(section: Section) -> FileDiff:
    return FileDiff(
        paths=(from_bytes(section.path),),
        text=from_bytes(section.data or b""),
        makes_symlink=section.makes_link,
        binary=section.binary,
        added=section.added,
        removed=section.removed,
    )


def repo_diff(layout: JobLayout, max_bytes: int = DEFAULT_MAX_DIFF_BYTES) -> RepoDiff:
    """The diff from the snapshot to what `work/repo` holds now, within `max_bytes`.

    New files are included; `.gitignore` rules of the repository and the harness's own
    excludes (bytecode, caches) apply. If the agent replaced `repo/` by something other
    than a directory (a symbolic link to a host path, say), nothing is followed and the
    diff is empty. Git repositories the agent made below the top (`cargo new` makes one)
    lose their `.git` data so that their files are diffed as plain files.
    """
    if layout.repo.is_symlink() or not layout.repo.is_dir():
        return RepoDiff(max_bytes=max_bytes)
    drop_nested_git(layout.repo)
    # The index still holds the pristine files: mark new files, then diff the tree against it.
    run_git(layout, "add", "--intent-to-add", "--ignore-removal", ".")
    env, cwd = git_env(layout), str(layout.job_dir)
    raw = _git_command("diff", "--raw", "-z", "--no-abbrev", *_DIFF_OPTIONS)
    try:
        files = changed_files(raw, env, cwd, MAX_CHANGED_FILES)
    except TooManyFiles as error:
        return RepoDiff(max_bytes=max_bytes, error=f"{error}: no diff is taken")
    except GitOutputError as error:
        raise WorkspaceError(f"{error} in {layout.job_dir}") from None
    if not files:
        return RepoDiff(max_bytes=max_bytes)
    sizes = _sizes(layout, files)
    too_big = [entry for entry, size in zip(files, sizes, strict=True) if size > max_bytes]
    omitted = [
        OmittedFile(display_path(from_bytes(entry.path)), size, "larger than the diff cap")
        for entry, size in zip(files, sizes, strict=True)
        if size > max_bytes
    ]
    index = str(layout.snapshot / "diff-index")
    # copy2 keeps the index's mtime: git re-reads files changed within the second the index
    # was written ("racily clean"); a newer copy would make it trust their stat data.
    shutil.copy2(layout.snapshot / "index", index)
    _hide(layout, index, too_big)
    patch = _git_command("diff", "--binary", *_DIFF_OPTIONS)
    try:
        sections = take_sections(patch, env | {"GIT_INDEX_FILE": index}, cwd, max_bytes)
    except GitOutputError as error:
        raise WorkspaceError(f"{error} in {layout.job_dir}") from None
    # A type change is two sections (deletion, creation): keep both or neither.
    left_out = {section.path for section in sections if section.data is None}
    for path in dict.fromkeys(section.path for section in sections if section.path in left_out):
        size = sum(section.size for section in sections if section.path == path)
        omitted.append(OmittedFile(display_path(from_bytes(path)), size, "over the diff cap"))
    kept = [s for s in sections if s.data is not None and s.path not in left_out]
    return RepoDiff(
        text=from_bytes(b"".join(section.data or b"" for section in kept)),
        files=tuple(_file(section) for section in kept),
        omitted=tuple(omitted[:OMITTED_SHOWN]),
        omitted_count=len(omitted),
        max_bytes=max_bytes,
    )
