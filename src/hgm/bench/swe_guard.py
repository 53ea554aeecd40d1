"""Running a SWE-style instance's tests so that the repository cannot subvert pytest.

Shared by `swe-local` grading: which files a solution may not add (a module shadowing the
standard library or pytest at an import root), the canaries among the listed tests (their
node ids renamed, twins in the same files, the run order shuffled) and the environment
that keeps the working directory off the front of `sys.path`.
"""

from __future__ import annotations

import ast
import random
import sys
from pathlib import Path, PurePosixPath

from hgm.bench.canaries.plan import CANARY_COUNT, CanaryPlan
from hgm.bench.canaries.python_tests import pytest_canaries

FRAMEWORK_MODULES = frozenset({"pytest", "_pytest", "pluggy", "py", "iniconfig", "packaging"})
SHADOWABLE = frozenset(sys.stdlib_module_names) | FRAMEWORK_MODULES


def module_names(path: str, roots: tuple[str, ...]) -> set[str]:
    """The top-level module a file provides from each import root its path lies under."""
    pure = PurePosixPath(path)
    names: set[str] = set()
    for root in roots:
        base = PurePosixPath(root) if root not in ("", ".") else PurePosixPath()
        if pure.parts[: len(base.parts)] != base.parts:
            continue
        rest = pure.parts[len(base.parts) :]
        if len(rest) == 1 and rest[0].endswith(".py"):
            names.add(rest[0][:-3])
        elif len(rest) > 1:
            names.add(rest[0])
    return names


def shadows(path: str, base_files: frozenset[str], roots: tuple[str, ...]) -> bool:
    """A new file that would be imported in place of a standard or test framework module."""
    return path not in base_files and bool(module_names(path, roots) & SHADOWABLE)


def _defined(text: str) -> set[tuple[str, str]]:
    """(class, function) of each function defined directly at module level ("") or in a
    module-level class: the tests whose node ids can follow a rename."""
    found: set[tuple[str, str]] = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(("", node.name))
        elif isinstance(node, ast.ClassDef):
            found |= {
                (node.name, member.name)
                for member in node.body
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef)
            }
    return found


def _split(node_id: str) -> tuple[str, str, str, str]:
    """(file, classes prefix with trailing ::, function, parameters) of a pytest node id."""
    path, _, rest = node_id.partition("::")
    rest, bracket, params = rest.partition("[")
    *classes, function = rest.split("::")
    prefix = "".join(f"{c}::" for c in classes)
    return path, prefix, function, bracket + params


def add_canaries(
    repo: Path, node_ids: list[str], rng: random.Random, count: int = CANARY_COUNT
) -> tuple[CanaryPlan, list[str]]:
    """Rename the listed tests and add canaries in their files; the ids to run, shuffled.

    A test is renamed only when every listed id of its name points at a function defined
    right there (not inherited, not nested), so that each id can follow the rename.
    """
    wanted: dict[str, list[tuple[str, str]]] = {}
    for node_id in node_ids:
        path, prefix, function, _ = _split(node_id)
        wanted.setdefault(path, []).append((prefix[:-2], function))
    plan = CanaryPlan()
    fresh_ids: dict[tuple[str, str, str], str] = {}
    canary_ids: list[str] = []
    share = max(1, count // max(1, len(wanted)))
    for path, tests in wanted.items():
        file = repo / path
        if not file.is_file() or file.is_symlink():
            continue
        try:
            defined = _defined(file.read_text(errors="replace"))
        except (SyntaxError, ValueError):
            continue
        only = {f for _, f in tests} - {f for c, f in tests if (c, f) not in defined}
        text, found = pytest_canaries(file.read_text(errors="replace"), rng, share, only)
        file.write_text(text)
        plan = plan.merged(found)
        after = {function: owner for owner, function in _defined(text)}
        for fresh, original in found.renamed.items():
            fresh_ids[(path, after[fresh], original)] = fresh
        for canary in found.canaries:
            owner = after[canary.name]
            canary_ids.append(f"{path}::{owner + '::' if owner else ''}{canary.name}")
    run: list[str] = []
    for node_id in node_ids:
        path, prefix, function, params = _split(node_id)
        fresh = fresh_ids.get((path, prefix[:-2], function))
        run.append(f"{path}::{prefix}{fresh}{params}" if fresh else node_id)
    run += canary_ids
    rng.shuffle(run)
    return plan, run


def guarded_env(instance_env: dict[str, str], plugin_dir: Path, token_file: Path) -> dict[str, str]:
    """The test run's environment: hgm's plugin importable, no unsafe path or user site, no
    plugin autoload (unless the instance asks for it), the repository appended to sys.path."""
    paths = [str(plugin_dir), *filter(None, [instance_env.get("PYTHONPATH")])]
    return {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        **instance_env,
        "PYTHONSAFEPATH": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONPATH": ":".join(paths),
        "HGM_GUARD_TOKEN_FILE": str(token_file),
        "HGM_GUARD_APPEND_CWD": "1",
    }
