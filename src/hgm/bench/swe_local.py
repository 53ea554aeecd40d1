"""`swe-local`: SWE-style instances over local git repositories, graded by pytest in a sandbox.

Grading follows SWE-bench: a fresh copy of the repository at `base_commit`, the agent's
diff restricted to non-test files, then `test_patch`, then the FAIL_TO_PASS and
PASS_TO_PASS tests; resolved iff every one of them passes.
"""

from __future__ import annotations

import secrets
import shlex
import sys
import tempfile
import time
from functools import cached_property
from pathlib import Path, PurePosixPath

from hgm.bench.diffs import DiffApplyError, apply_diff, diff_is_empty, restrict_diff, split_diff
from hgm.bench.repo_build import extract_commit, materialize_repo
from hgm.bench.swe_instances import (
    SweInstance,
    load_instances,
    pytest_outcomes,
    sentinel_plugin,
)
from hgm.bench.types import Grade, Task, TestOutcome
from hgm.errors import UserError
from hgm.sandbox.types import KillReason, Limits, Sandbox

BUILTIN_INSTANCES = Path(__file__).parent / "data" / "swe_local" / "instances.jsonl"
PROTECTED_NAMES = frozenset(
    {
        "conftest.py",
        "pytest.ini",
        "tox.ini",
        "setup.cfg",
        "pyproject.toml",
        "setup.py",
        "sitecustomize.py",
        "usercustomize.py",
    }
)
TEST_DIRS = frozenset({"test", "tests", "testing"})


def is_test_or_build_file(path: str) -> bool:
    """Paths an agent may not change: tests, pytest configuration, build and startup files."""
    pure = PurePosixPath(path)
    name = pure.name
    return (
        name in PROTECTED_NAMES
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or any(part in TEST_DIRS for part in pure.parts[:-1])
    )


def _patch_paths(patch: str) -> frozenset[str]:
    return frozenset(path for section in split_diff(patch) for path in section.paths)


def instructions_for(instance: SweInstance) -> str:
    return (
        f"Resolve this issue in the repository ({instance.instance_id}).\n\n"
        f"{instance.problem_statement.strip()}\n\n"
        "Change the source code only: edits to tests and build files are discarded "
        "before grading, and hidden tests decide whether the issue is resolved."
    )


def swe_task(instance: SweInstance, **metadata: object) -> Task:
    """The task an instance poses: `metadata` first, then its base commit and hidden tests."""
    return Task(
        id=instance.instance_id,
        language="python",
        instructions=instructions_for(instance),
        metadata={
            **metadata,
            "base_commit": instance.base_commit,
            "fail_to_pass": list(instance.FAIL_TO_PASS),
            "pass_to_pass": list(instance.PASS_TO_PASS),
        },
    )


class SweLocal:
    """Instances plus the git repository each one's base commit lives in."""

    name = "swe-local"

    def __init__(
        self, instances: list[SweInstance], repos: dict[str, Path], sandbox: Sandbox | None
    ) -> None:
        self.instances = {instance.instance_id: instance for instance in instances}
        self.repos = repos
        self._given_sandbox = sandbox

    def tasks(self) -> list[Task]:
        return [swe_task(instance) for instance in self.instances.values()]

    def _instance(self, task: Task) -> SweInstance:
        instance = self.instances.get(task.id)
        if instance is None:
            raise UserError(f"{self.name} has no instance {task.id!r}")
        return instance

    def _extract_base(self, instance: SweInstance, dest: Path) -> None:
        extract_commit(self.repos[instance.instance_id], instance.base_commit, dest)

    def workspace(self, task: Task, dest: Path) -> None:
        """The repository at base_commit, without the hidden test_patch."""
        dest.mkdir(parents=True, exist_ok=True)
        self._extract_base(self._instance(task), dest)

    def reference_diff(self, task: Task) -> str:
        return self._instance(task).patch

    @cached_property
    def sandbox(self) -> Sandbox:
        """The sandbox given, else bubblewrap (made on first grade, so listing needs none)."""
        if self._given_sandbox is not None:
            return self._given_sandbox
        from hgm.sandbox import BubblewrapConfig, make_sandbox

        return make_sandbox(BubblewrapConfig())

    def _command(self, instance: SweInstance, plugin: str) -> list[str]:
        """The test command (a pytest invocation), loading the sentinel plugin, then the ids."""
        tests = [*instance.FAIL_TO_PASS, *instance.PASS_TO_PASS]
        if instance.test_command:
            base = shlex.split(instance.test_command)
        else:
            base = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider"]
        return [*base, "-p", plugin, *tests]

    def _env(self, instance: SweInstance, plugin_dir: Path) -> dict[str, str]:
        paths = [str(plugin_dir), *filter(None, [instance.test_env.get("PYTHONPATH")])]
        return {
            "PYTHONDONTWRITEBYTECODE": "1",
            **instance.test_env,
            "PYTHONPATH": ":".join(paths),
        }

    def grade(self, task: Task, diff: str) -> Grade:
        instance = self._instance(task)
        started = time.perf_counter()
        hidden = _patch_paths(instance.test_patch)
        kept, dropped = restrict_diff(
            diff, lambda path: path not in hidden and not is_test_or_build_file(path)
        )
        common = {
            "task": task.id,
            "empty_diff": diff_is_empty(diff),
            "dropped_files": tuple(dropped),
        }
        token = f"hgm-pytest-finished-{secrets.token_hex(16)}"
        plugin = f"hgm_sentinel_{secrets.token_hex(8)}"
        with tempfile.TemporaryDirectory(prefix="hgm-swe-") as tmp:
            root = Path(tmp).resolve()
            work, plugin_dir = root / "repo", root / "plugin"
            work.mkdir()
            plugin_dir.mkdir()
            (plugin_dir / f"{plugin}.py").write_text(sentinel_plugin(token))
            self._extract_base(instance, work)
            try:
                apply_diff(work, kept)
            except DiffApplyError as error:
                return Grade(resolved=False, error=f"agent diff does not apply: {error}", **common)
            try:
                apply_diff(work, instance.test_patch)
            except DiffApplyError as error:
                raise UserError(f"{task.id}: test_patch does not apply: {error}") from None
            prepared = time.perf_counter()
            completed = self.sandbox.run(
                self._command(instance, plugin),
                root,
                self._env(instance, plugin_dir),
                Limits(wall_s=instance.timeout_s),
                cwd=work,
            )
        finished = time.perf_counter()
        found = pytest_outcomes(completed.stdout_tail, token)
        outcomes = tuple(
            TestOutcome(name, found.get(name) == "PASSED")
            for name in (*instance.FAIL_TO_PASS, *instance.PASS_TO_PASS)
        )
        resolved = completed.exit_code == 0 and all(outcome.passed for outcome in outcomes)
        killed = "" if completed.killed is KillReason.NONE else f"killed: {completed.killed}"
        return Grade(
            resolved=resolved,
            tests=outcomes,
            log_tail=(completed.stdout_tail + completed.stderr_tail)[-4000:],
            wall_s=finished - started,
            error=killed,
            exit_code=completed.exit_code,
            timings={
                "prepare": prepared - started,
                "tests": finished - prepared,
                "total": finished - started,
            },
            **common,
        )


def _repo_source(instance: SweInstance, base_dir: Path) -> Path:
    path = Path(instance.repo).expanduser()
    path = path if path.is_absolute() else base_dir / path
    if not path.is_dir():
        raise UserError(
            f"instance {instance.instance_id}: repo {instance.repo!r} is not a directory "
            f"(looked at {path}); give a git repository or a directory of plain files"
        )
    return path


def make_swe_local(
    path: Path | None = None, sandbox: Sandbox | None = None, **options: object
) -> SweLocal:
    """The built-in SWE-style set, or the instances in `path` (JSON/JSONL; repo paths relative
    to the file's directory)."""
    if options:
        raise UserError(f"swe-local takes no options (given: {', '.join(sorted(options))})")
    source = path if path is not None else BUILTIN_INSTANCES
    instances = load_instances(source)
    repos = {
        instance.instance_id: materialize_repo(
            _repo_source(instance, source.parent), instance.base_commit, instance.instance_id
        )
        for instance in instances
    }
    return SweLocal(instances, repos, sandbox)
