"""The agent's tools: bash, editor and finish, gathered in a Toolbox."""

from __future__ import annotations

from pathlib import Path

from .bash import BashTool
from .editor import EditorTool
from .finish import Finished, FinishTool
from .toolbox import Tool, Toolbox, ToolError


def default_toolbox(
    repo: Path, command_timeout_s: float = 180.0, deadline: float | None = None
) -> Toolbox:
    bash = BashTool(repo, timeout_s=command_timeout_s, deadline=deadline)
    return Toolbox([bash, EditorTool(repo), FinishTool()])


__all__ = ["Finished", "Tool", "ToolError", "Toolbox", "default_toolbox"]
