"""Helpers for the archive tests: user-side git, writing and reading file trees."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Settings that would show in the archive if it read the user's configuration: a
# commit encoding header, a template file copied into new repositories, CRLF conversion.
USER_GITCONFIG = """[user]
    name = Some User
    email = user@example.com
[i18n]
    commitEncoding = ISO-8859-1
[init]
    templateDir = ~/template
[core]
    autocrlf = true
"""
TEMPLATE_MARKER = "from-user-template"


def user_git(*args: str, cwd: Path) -> str:
    """Git as a user would run it (their config applies, signing switched off)."""
    completed = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, f"git {' '.join(args)}: {completed.stderr}"
    return completed.stdout.strip()


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create `files` (relative path -> text or bytes) under `root`."""
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def read_tree(root: Path) -> dict[str, bytes]:
    """Every regular file under `root` (relative posix path -> bytes), `.git` excluded."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and ".git" not in path.parts
    }


SEED_FILES: dict[str, str | bytes] = {
    "agent/__init__.py": "",
    "agent/__main__.py": "print('hello')\n",
    "agent/tools.py": "def tool():\n    return 1\n",
    "README.md": "# seed\n",
}
