"""The seed agent ships whole, runs its own unit tests, and depends on the stdlib only."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

SEED_AGENT = Path(str(files("hgm") / "seed_agent"))
OWN_MODULES = {"coding_agent", "tests"}


def python_files() -> list[Path]:
    return sorted(SEED_AGENT.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Top-level names of the absolute imports in one file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_agent_directory_has_its_parts() -> None:
    for part in ("AGENT.md", "coding_agent/__main__.py", "coding_agent/prompts.py", "tests"):
        assert (SEED_AGENT / part).exists(), part
    assert not (SEED_AGENT / "__init__.py").exists(), "the agent must not be part of hgm"


def test_the_agent_imports_only_the_standard_library() -> None:
    assert len(python_files()) > 10
    for path in python_files():
        foreign = imported_modules(path) - set(sys.stdlib_module_names) - OWN_MODULES
        assert not foreign, f"{path.relative_to(SEED_AGENT)} imports {sorted(foreign)}"


def test_the_agents_own_unit_tests_pass() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HGM_")}
    completed = subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "-s", "tests"],
        cwd=SEED_AGENT,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "OK" in completed.stderr
