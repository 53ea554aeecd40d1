"""The editor tool: view, create, str_replace, insert and undo_edit, confined to the repository."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .output import truncate_middle
from .toolbox import ToolError, function_schema, get_arg

DESCRIPTION = (
    "View and edit files. Commands: `view` (a file with line numbers, optionally a "
    "`view_range` [first, last]; or a directory listing two levels deep), `create` (write "
    "`file_text` to a new or existing file), `str_replace` (replace `old_str`, which must occur "
    "exactly once, with `new_str`), `insert` (insert `new_str` after line `insert_line`; 0 means "
    "at the top), `undo_edit` (revert the last edit of `path`). Paths are relative to the "
    "repository root (or absolute inside it)."
)
COMMANDS = ["view", "create", "str_replace", "insert", "undo_edit"]
SNIPPET_CONTEXT = 4  # lines shown around an edit


class EditorTool:
    name = "editor"

    def __init__(self, root: Path, output_limit: int = 20_000) -> None:
        self.root = root.resolve()
        self.output_limit = output_limit
        self.history: dict[Path, list[str | None]] = {}  # content before each edit; None = absent

    def schema(self) -> dict[str, Any]:
        properties = {
            "command": {"type": "string", "enum": COMMANDS},
            "path": {"type": "string", "description": "File or directory path."},
            "file_text": {"type": "string", "description": "Content for `create`."},
            "old_str": {"type": "string", "description": "Exact text to replace (`str_replace`)."},
            "new_str": {"type": "string", "description": "New text (`str_replace`, `insert`)."},
            "insert_line": {"type": "integer", "description": "Line to insert after (`insert`)."},
            "view_range": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "[first, last] lines for `view`; last may be -1 for the end.",
            },
        }
        return function_schema(self.name, DESCRIPTION, properties, ["command", "path"])

    def run(self, args: dict[str, Any]) -> str:
        command = get_arg(args, "command", str)
        path = self.resolve(get_arg(args, "path", str))
        if command == "view":
            return self.view(path, get_arg(args, "view_range", list, required=False))
        if command == "create":
            return self.create(path, get_arg(args, "file_text", str))
        if command == "str_replace":
            new_str = get_arg(args, "new_str", str, required=False) or ""
            return self.str_replace(path, get_arg(args, "old_str", str), new_str)
        if command == "insert":
            line = get_arg(args, "insert_line", int)
            return self.insert(path, line, get_arg(args, "new_str", str))
        if command == "undo_edit":
            return self.undo(path)
        raise ToolError(f"unknown command '{command}'; use one of {', '.join(COMMANDS)}")

    def resolve(self, raw: str) -> Path:
        path = Path(raw)
        path = (path if path.is_absolute() else self.root / path).resolve()
        if not path.is_relative_to(self.root):
            raise ToolError(f"path {raw} is outside the repository {self.root}")
        return path

    def view(self, path: Path, view_range: list[Any] | None) -> str:
        if path.is_dir():
            return self._listing(path)
        lines = self._read(path).splitlines()
        first, last = 1, len(lines)
        if view_range is not None:
            if len(view_range) != 2 or not all(isinstance(n, int) for n in view_range):
                raise ToolError("view_range must be two integers [first, last]")
            first, last = view_range[0], len(lines) if view_range[1] == -1 else view_range[1]
            if not 1 <= first <= max(last, 1) or last > len(lines):
                raise ToolError(
                    f"view_range {view_range} is invalid: the file has {len(lines)} lines"
                )
        numbered = "\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(first, last + 1))
        return truncate_middle(numbered, self.output_limit) if numbered else "(empty file)"

    def create(self, path: Path, text: str) -> str:
        if path.is_dir():
            raise ToolError(f"{self._show(path)} is a directory")
        self._remember(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return f"Wrote {len(text.splitlines())} lines to {self._show(path)}."

    def str_replace(self, path: Path, old: str, new: str) -> str:
        text = self._read(path)
        if not old:
            raise ToolError("old_str must not be empty")
        count = text.count(old)
        if count == 0:
            raise ToolError(
                f"old_str not found in {self._show(path)}; view the file and copy the text "
                "exactly, including whitespace and indentation"
            )
        if count > 1:
            starts = [match.start() for match in re.finditer(re.escape(old), text)]
            lines = ", ".join(str(text.count("\n", 0, i) + 1) for i in starts)
            raise ToolError(
                f"old_str occurs {count} times in {self._show(path)} (at lines {lines}); "
                "include more surrounding lines to make it unique"
            )
        self._remember(path)
        path.write_text(text.replace(old, new))
        first_line = text.count("\n", 0, text.index(old)) + 1
        return self._edited(path, first_line, first_line + new.count("\n"))

    def insert(self, path: Path, line: int, new: str) -> str:
        lines = self._read(path).splitlines(keepends=True)
        if not 0 <= line <= len(lines):
            raise ToolError(f"insert_line {line} is invalid: the file has {len(lines)} lines")
        if lines and not lines[-1].endswith("\n") and line == len(lines):
            lines[-1] += "\n"
        added = new if new.endswith("\n") else new + "\n"
        self._remember(path)
        path.write_text("".join([*lines[:line], added, *lines[line:]]))
        return self._edited(path, line + 1, line + added.count("\n"))

    def undo(self, path: Path) -> str:
        previous = self.history.get(path)
        if not previous:
            raise ToolError(f"no edit of {self._show(path)} to undo")
        content = previous.pop()
        if content is None:
            path.unlink(missing_ok=True)
            return f"Undid the creation of {self._show(path)} (file removed)."
        path.write_text(content)
        return f"Undid the last edit of {self._show(path)}."

    def _remember(self, path: Path) -> None:
        before = path.read_text(errors="replace") if path.exists() else None
        self.history.setdefault(path, []).append(before)

    def _read(self, path: Path) -> str:
        if not path.exists():
            raise ToolError(f"{self._show(path)} does not exist")
        if path.is_dir():
            raise ToolError(f"{self._show(path)} is a directory")
        return path.read_text(errors="replace")

    def _edited(self, path: Path, first: int, last: int) -> str:
        lines = path.read_text().splitlines()
        start, end = max(1, first - SNIPPET_CONTEXT), min(len(lines), last + SNIPPET_CONTEXT)
        snippet = "\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(start, end + 1))
        return f"Edited {self._show(path)}. Lines {start}-{end} now read:\n{snippet}"

    def _listing(self, directory: Path) -> str:
        entries = []
        for child in visible_children(directory):
            if child.is_dir():
                entries.append(f"{child.name}/")
                entries += [
                    f"{child.name}/{g.name}{'/' * g.is_dir()}" for g in visible_children(child)
                ]
            else:
                entries.append(child.name)
        listing = "\n".join(entries) if entries else "(empty directory)"
        return truncate_middle(f"{self._show(directory)}/\n{listing}", self.output_limit)

    def _show(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path != self.root else "."


def visible_children(directory: Path) -> list[Path]:
    """Entries of a directory, sorted, hidden ones (.git, .venv...) left out."""
    return sorted(child for child in directory.iterdir() if not child.name.startswith("."))
