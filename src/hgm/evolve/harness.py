"""The evaluation harness: run one agent version on one repository in the sandbox, through the
gateway, then (for a benchmark task) grade the diff computed on the host.

`Harness.run_agent` is the reusable core (an evaluation and a self-modification are both an
agent editing a repository); `Harness.evaluate` adds a benchmark's workspace and grading.
A `Harness` holds no mutable state: any number of threads may use one at once.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from hgm.bench.suspicious import scan_sections
from hgm.bench.types import Benchmark, Grade, Task
from hgm.errors import InfrastructureFailure
from hgm.evolve.agent_dir import agent_package, copy_agent
from hgm.evolve.agent_files import read_agent_json
from hgm.evolve.agent_task import AgentLimits, AgentTask
from hgm.evolve.bounded_diff import RepoDiff, repo_diff
from hgm.evolve.infrastructure import (
    agent_died_unexplained,
    gateway_failure,
    last_call,
    sandbox_failure,
)
from hgm.evolve.records import AgentRun, DiffStats, Evaluation
from hgm.evolve.workspace import JobLayout, WorkspaceError, snapshot_repo
from hgm.llm.config import Role
from hgm.llm.gateway import Gateway
from hgm.llm.launch import agent_launch
from hgm.llm.model_facts import ModelFacts, configured_facts
from hgm.sandbox.types import Sandbox, SandboxUnavailable

RESULT_FILE = "result.json"
_DETAIL_CHARS = 4000

# What the agent's repository starts as: a directory to copy (self-modification: the agent's
# own source) or a function that fills the empty repository directory (a benchmark workspace).
RepoSource = Path | Callable[[Path], None]


def _fill_repo(source: RepoSource, repo: Path) -> None:
    if isinstance(source, Path):
        copy_agent(source, repo)
    else:
        source(repo)


def _text_or_none(value: object) -> str | None:
    return value[:_DETAIL_CHARS] if isinstance(value, str) else None


def with_evidence(grade: Grade, suspicious: tuple[str, ...]) -> Grade:
    """The grade with the diff's suspicious constructs added; a tampered grade is never
    resolved, whichever benchmark made it."""
    found = tuple(dict.fromkeys((*grade.suspicious, *suspicious)))
    return replace(grade, suspicious=found, resolved=grade.resolved and not grade.tampered)


def _test_seconds(timings: dict[str, float]) -> float:
    """The test command's own time, as the benchmark reported it."""
    return timings.get("sandbox_tests", timings.get("tests", 0.0))


class Harness:
    """Runs agent versions in `sandbox`, reaching the LLM only through `gateway`.

    `run` names the run in the gateway's records; `python` is the interpreter the agent and
    the relay run with inside the sandbox: by default this one (bubblewrap mounts its
    prefix), or `python3` from the image for docker. `models` (default: as configured)
    tells each role's reply cap and tool protocol: TASK.json's `limits.max_tokens_per_call`
    and the agent's `HGM_TOOL_MODE`.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        gateway: Gateway,
        run: str,
        limits: AgentLimits | None = None,
        python: str | None = None,
        models: Mapping[Role, ModelFacts] | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.gateway = gateway
        self.run = run
        self.limits = limits or AgentLimits()
        self.models = dict(models or configured_facts(gateway.config))
        self.python = python or ("python3" if sandbox.kind == "docker" else sys.executable)

    def run_agent(
        self,
        agent_dir: Path,
        task: AgentTask,
        job_dir: Path,
        *,
        repo: RepoSource,
        role: Role,
        agent: str,
        job: str,
        limits: AgentLimits | None = None,
    ) -> AgentRun:
        """Run `agent_dir` on `task` with REPO_DIR made from `repo`; return what happened.

        `job_dir` must be new or empty (see `hgm.evolve.workspace` for its layout). The
        job's gateway token is valid only while the agent runs and is closed whatever
        happens. The diff is taken on the host against a snapshot the agent cannot reach.
        Raises `InfrastructureFailure` when the provider, the gateway or the sandbox failed
        under the agent (see `hgm.evolve.infrastructure`): that is no result of the agent.
        """
        limits = limits or self.limits
        started = time.perf_counter()
        package = agent_package(agent_dir)
        layout = JobLayout.create(job_dir)
        _fill_repo(repo, layout.repo)
        snapshot_repo(layout)
        copy_agent(agent_dir, layout.agent)
        task.write(layout.task_file, limits, self._model_limits(role))
        prepared = time.perf_counter()
        command = [
            self.python, "-m", package, "--task", str(layout.task_file),
            "--repo", str(layout.repo), "--out", str(layout.out),
        ]  # fmt: skip
        since = time.time()
        token = self.gateway.open_job(self.run, agent, job, role, limits.job_limits())
        try:
            launch = agent_launch(
                self.gateway,
                token,
                role,
                python=self.python,
                in_place=self.sandbox.kind == "unsafe-local",
            )
            process = self.sandbox.run(
                launch.wrap(command),
                layout.work,
                launch.env | self._model_env(role),
                limits.sandbox_limits(),
                launch.mounts,
                cwd=layout.agent,
            )
        except SandboxUnavailable as error:
            raise InfrastructureFailure("sandbox", str(error)) from error
        finally:
            usage = self.gateway.close_job(token)
        ran = time.perf_counter()
        result = read_agent_json(layout.out, RESULT_FILE) or {}
        final_call = last_call(self.gateway.db_path, job, since)
        failure = gateway_failure(self.gateway, final_call)
        if failure is None and agent_died_unexplained(process, result):
            failure = sandbox_failure(self.sandbox)
        if failure is not None:
            raise failure
        try:
            taken = repo_diff(layout, limits.max_diff_bytes)
        except WorkspaceError as error:
            taken = RepoDiff(max_bytes=limits.max_diff_bytes, error=str(error))
        stats = DiffStats.of_sections(taken.files)
        finished = time.perf_counter()
        return AgentRun(
            job=job,
            agent=agent,
            role=role,
            job_dir=layout.job_dir,
            repo_dir=layout.repo,
            out_dir=layout.out,
            process=process,
            stop_reason=_text_or_none(result.get("reason")),
            stop_detail=_text_or_none(result.get("detail")),
            usage=usage,
            diff=taken.text,
            diff_error=taken.error,
            llm_last_status=final_call.status if final_call is not None else None,
            timings={
                "prepare": prepared - started,
                "agent": ran - prepared,
                "diff": finished - ran,
                "total": finished - started,
            },
            diff_stats=stats,
            diff_files=taken.files,
            diff_omitted=taken.omitted,
            diff_omitted_count=taken.omitted_count,
            diff_cap_bytes=taken.max_bytes,
        )

    def _model_limits(self, role: Role) -> dict[str, int]:
        facts = self.models.get(role)
        if facts is None:
            return {}
        window = {} if facts.context_window is None else {"context_window": facts.context_window}
        return {"max_tokens_per_call": facts.max_tokens, **window}

    def _model_env(self, role: Role) -> dict[str, str]:
        facts = self.models.get(role)
        return {"HGM_TOOL_MODE": facts.tool_protocol} if facts is not None else {}

    def evaluate(
        self,
        agent_dir: Path,
        benchmark: Benchmark,
        task: Task,
        job_dir: Path,
        *,
        agent: str,
        job: str,
        limits: AgentLimits | None = None,
    ) -> Evaluation:
        """Run the agent on `task` (role `task`), grade its diff, write `record.json`.

        The grade carries the suspicious constructs found in the diff (`Grade.suspicious`,
        evidence only) besides what the benchmark found; a tampered grade is not resolved.
        """
        started = time.perf_counter()
        run = self.run_agent(
            agent_dir,
            AgentTask.from_task(task),
            job_dir,
            repo=lambda dest: benchmark.workspace(task, dest),
            role="task",
            agent=agent,
            job=job,
            limits=limits,
        )
        grade = with_evidence(benchmark.grade(task, run.diff), scan_sections(run.diff_files))
        wall = time.perf_counter() - started
        test_s = _test_seconds(grade.timings)
        evaluation = Evaluation(
            task=task.id,
            run=run,
            grade=grade,
            wall_s=wall,
            test_s=test_s,
            overhead_s=max(0.0, wall - run.process.wall_s - test_s),
        )
        evaluation.write(JobLayout(run.job_dir).record)
        return evaluation
