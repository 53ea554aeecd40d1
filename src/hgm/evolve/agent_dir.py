"""An agent version on disk: where the seed agent lives, its entry package, copying it."""

from __future__ import annotations

import shutil
from pathlib import Path

from hgm.errors import UserError

SEED_AGENT_DIR = Path(__file__).resolve().parent.parent / "seed_agent"
_NOT_COPIED = shutil.ignore_patterns(".git", "__pycache__", "*.pyc")


def agent_package(agent_dir: Path) -> str:
    """The package the contract runs (`python -m <package>`): the one top-level `__main__.py`.

    Raises UserError when the directory is missing or has no such package, or several.
    """
    if not agent_dir.is_dir():
        raise UserError(f"agent directory {agent_dir} does not exist or is not a directory")
    found = sorted(
        path.parent.name
        for path in agent_dir.glob("*/__main__.py")
        if path.is_file() and path.parent.name.isidentifier()
    )
    if len(found) != 1:
        what = "no package" if not found else f"several packages ({', '.join(found)})"
        raise UserError(
            f"agent directory {agent_dir} has {what} with a __main__.py; an agent needs exactly "
            "one, run as `python -m <package> --task TASK.json --repo REPO --out OUT`"
        )
    return found[0]


def copy_agent(agent_dir: Path, dest: Path) -> None:
    """Copy an agent version into `dest` (new or empty), without git data or bytecode.

    Symbolic links are copied as links, never followed; file modes are kept, times are not.
    """
    shutil.copytree(
        agent_dir,
        dest,
        symlinks=True,
        ignore=_NOT_COPIED,
        copy_function=shutil.copy,
        dirs_exist_ok=True,
    )
