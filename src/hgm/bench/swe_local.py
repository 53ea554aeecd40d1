"""`swe-local`: SWE-style instances over local git repositories, graded by pytest in a sandbox.

Grading follows SWE-bench: a fresh copy of the repository at `base_commit`, the agent's
diff restricted to non-test files (and to files that cannot reconfigure or shadow pytest),
then `test_patch`, then the FAIL_TO_PASS and PASS_TO_PASS tests, renamed and mixed with
canaries, under hgm's guard plugin; resolved iff every listed test passes, every canary
fails and pytest ran to its end (`canaries.plan.judge`).
"""

from __future__ import annotations

import random
import secrets
import shlex
import sys
import tempfile
import time
from functools import cached_property
from pathlib import Path, PurePosixPath

from hgm.bench.canaries.plan import judge, status
from hgm.bench.diffs import DiffApplyError, apply_diff, diff_is_empty, restrict_diff, split_diff
from hgm.bench.integrity import dropped_evidence
from hgm.bench.repo_build import extract_commit, list_commit, materialize_repo
from hgm.bench.runners.base import integrity_notes, output_before
from hgm.bench.runners.python import install_guard
from hgm.bench.swe_guard import add_canaries, guarded_env, shadows
from hgm.bench.swe_instances import SweInstance, load_instances, pytest_outcomes
from hgm.bench.types import Grade, Task, TestOutcome
from hgm.errors import UserError
from hgm.sandbox.types import Limits, Sandbox

BUILTIN_INSTANCES = Path(__file__).parent / "data" / "swe_local" / "instances.jsonl"
PROTECTED_NAMES = frozenset(
    {
        "conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "tox.ini",
        "setup.cfg",
        "pyproject.toml",
        "setup.py",
        "sitecustomize.py",
        "usercustomize.py",
        "pytest.py",
        "pluggy.py",
        "py.py",
    }
)
TEST_DIRS = frozenset({"test", "tests", "testing"})
FRAMEWORK_DIRS = frozenset({"_pytest", "pytest", "pluggy", "iniconfig"})


def is_test_or_build_file(path: str) -> bool:
    """Paths an agent may not change: tests, every file pytest reads as configuration, build
    and start-up files (`*.pth`, `sitecustomize.py`), and copies of pytest itself."""
    pure = PurePosixPath(path)
    name = pure.name
    return (
        name in PROTECTED_NAMES
        or name.endswith(".pth")
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or any(part in TEST_DIRS | FRAMEWORK_DIRS for part in pure.parts[:-1])
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

    def _command(self, instance: SweInstance, node_ids: list[str]) -> list[str]:
        """The test command (a pytest invocation) with hgm's guard plugin, then the ids."""
        if instance.test_command:
            base = shlex.split(instance.test_command)
        else:
            base = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider"]
        return [*base, "-p", "hgm_guard", *node_ids]

    def _base_files(self, instance: SweInstance) -> frozenset[str]:
        return list_commit(self.repos[instance.instance_id], instance.base_commit)

    def grade(self, task: Task, diff: str) -> Grade:
        instance = self._instance(task)
        started = time.perf_counter()
        hidden = _patch_paths(instance.test_patch)
        base_files = self._base_files(instance)
        roots = ("", *filter(None, instance.test_env.get("PYTHONPATH", "").split(":")))
        kept, dropped = restrict_diff(
            diff,
            lambda path: (
                path not in hidden
                and not is_test_or_build_file(path)
                and not shadows(path, base_files, roots)
            ),
        )
        subverting = dropped_evidence("python", dropped)
        common = {
            "task": task.id,
            "empty_diff": diff_is_empty(diff),
            "dropped_files": tuple(dropped),
            "tampered": bool(subverting),
            "tamper_evidence": tuple(subverting),
        }
        listed = [*instance.FAIL_TO_PASS, *instance.PASS_TO_PASS]
        token = f"hgm-pytest-finished-{secrets.token_hex(16)}"
        with tempfile.TemporaryDirectory(prefix="hgm-swe-") as tmp:
            root = Path(tmp).resolve()
            work, plugin_dir = root / "repo", root / "plugin"
            work.mkdir()
            install_guard(plugin_dir, token)
            self._extract_base(instance, work)
            try:
                apply_diff(work, kept)
            except DiffApplyError as error:
                return Grade(resolved=False, error=f"agent diff does not apply: {error}", **common)
            try:
                apply_diff(work, instance.test_patch)
            except DiffApplyError as error:
                raise UserError(f"{task.id}: test_patch does not apply: {error}") from None
            plan, run_ids = add_canaries(work, listed, random.SystemRandom())
            prepared = time.perf_counter()
            completed = self.sandbox.run(
                self._command(instance, run_ids),
                root,
                guarded_env(instance.test_env, plugin_dir, plugin_dir / "token"),
                Limits(wall_s=instance.timeout_s),
                cwd=work,
            )
        finished = time.perf_counter()
        output = completed.stdout_tail
        counted = output_before(token, output)
        found = pytest_outcomes(output, token)
        outcomes = [TestOutcome(name, word == "PASSED") for name, word in found.items()]
        evidence = subverting + integrity_notes(token, counted or "")
        verdict = judge(plan, outcomes, listed, completed, counted is not None, evidence)
        real = [TestOutcome(plan.original(o.name), o.passed) for o in outcomes]
        return Grade(
            resolved=verdict.resolved,
            tests=tuple(TestOutcome(name, status(real, name) is True) for name in listed),
            log_tail=plan.original(completed.stdout_tail + completed.stderr_tail)[-4000:],
            wall_s=finished - started,
            error=verdict.why,
            exit_code=completed.exit_code,
            timings={
                "prepare": prepared - started,
                "tests": finished - prepared,
                "total": finished - started,
            },
            **{**common, "tampered": bool(verdict.evidence), "tamper_evidence": verdict.evidence},
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
