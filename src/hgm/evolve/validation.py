"""Child admission: a new agent version enters the tree only if it still honours the contract.

Checks, cheapest first, each time-limited in the sandbox:
0. it adds no file the test tools would load by themselves (conftest.py, *.pth, start-up
   hooks, modules named like the tools), unless its parent had the very same file;
1. it compiles (`python -I -m compileall`: its own modules cannot shadow compileall),
2. its own unit tests pass, run so that it cannot forge their outcome (`unit_tests.py`:
   canary tests that must fail, a report after a random token, the standard library
   first on `sys.path`); a forged outcome is rejected as tampering,
3. a smoke run works: the child runs on a trivial task against a free scripted model
   (a gateway of its own) and exits 0 having written result.json and trajectory.jsonl.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hgm.errors import UserError
from hgm.evolve.agent_dir import copy_agent
from hgm.evolve.agent_files import read_agent_file, read_agent_json
from hgm.evolve.agent_task import AgentLimits, AgentTask
from hgm.evolve.harness import Harness
from hgm.evolve.unit_tests import UnitTestRun, forbidden_files
from hgm.llm.config import (
    GatewayConfig,
    RoleModel,
    ScriptedProviderConfig,
    ScriptReply,
    ScriptToolCall,
)
from hgm.runconfig.real_world import ValidationSection
from hgm.sandbox.types import Completed, KillReason, Limits, Sandbox

SMOKE_TASK = AgentTask(
    id="hgm-smoke",
    instructions="Smoke test of the agent contract: read NOTES.txt, then call finish.",
    language="python",
)
_GIST_LINES = 3
_GIST_CHARS = 400


def smoke_gateway_config() -> GatewayConfig:
    """A free scripted model for smoke runs: it calls `finish` at once."""
    finish = ScriptReply(
        tool_calls=[ScriptToolCall(name="finish", arguments={"summary": "smoke test done"})]
    )
    return GatewayConfig(
        providers={"smoke": ScriptedProviderConfig(default_reply=finish)},
        roles={"task": RoleModel(provider="smoke", model="smoke")},
    )


@dataclass(frozen=True, slots=True)
class Admission:
    """The verdict on a child: `reason` says which check failed and how (empty when ok);
    `tampered`: the child attacked the checks themselves (forged its test results)."""

    ok: bool
    reason: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    tampered: bool = False


def _gist(completed: Completed) -> str:
    """The last few non-empty output lines (a test summary, an exception), on one line."""
    lines = [line.strip() for line in (completed.stdout_tail + completed.stderr_tail).splitlines()]
    return " | ".join([line for line in lines if line][-_GIST_LINES:])[-_GIST_CHARS:]


def _failed(what: str, completed: Completed) -> str | None:
    if completed.killed is not KillReason.NONE:
        return f"{what}: killed ({completed.killed.value})"
    if completed.exit_code != 0:
        return f"{what} (exit code {completed.exit_code}): {_gist(completed)}"
    return None


class ChildValidator:
    """Runs the admission checks; `smoke` is a harness whose gateway serves the smoke model."""

    def __init__(
        self,
        sandbox: Sandbox,
        smoke: Harness,
        config: ValidationSection,
        python: str = sys.executable,
    ) -> None:
        self.sandbox = sandbox
        self.smoke = smoke
        self.config = config
        self.python = python

    def validate(
        self, child_dir: Path, scratch: Path, agent: str, parent_dir: Path | None = None
    ) -> Admission:
        """Check the agent version in `child_dir`, working under `scratch` (new or empty).

        `parent_dir`: the version it was made from (files it already had are not refused).
        """
        timings: dict[str, float] = {}
        forbidden = forbidden_files(child_dir, parent_dir)
        if forbidden:
            shown = ", ".join(forbidden[:5]) + (" ..." if len(forbidden) > 5 else "")
            return Admission(False, f"adds files the test tools load: {shown}", timings, True)
        work = scratch / "checks"
        copy_agent(child_dir, work)
        compiled = self._run(
            ["-I", "-m", "compileall", "-q", "."], work, self.config.compile_timeout_s
        )
        timings["compile"] = compiled.wall_s
        if problem := _failed("does not compile", compiled):
            return Admission(False, problem, timings)
        if self.config.unit_tests:
            if not (work / "tests").is_dir():
                return Admission(False, "unit tests: the agent has no tests/ directory", timings)
            run = UnitTestRun.new()
            tested = self._run(run.arguments(), work, self.config.unit_tests_timeout_s)
            timings["unit_tests"] = tested.wall_s
            problem, tampered = run.verdict(tested)
            if problem:
                return Admission(False, problem, timings, tampered)
        shutil.rmtree(work, ignore_errors=True)
        if self.config.smoke_run:
            problem, timings["smoke"] = self._smoke(child_dir, scratch / "smoke", agent)
            if problem:
                return Admission(False, problem, timings)
        return Admission(True, "", timings)

    def _run(self, arguments: list[str], work: Path, timeout_s: float) -> Completed:
        limits = Limits(wall_s=timeout_s, memory_mb=2048, pids=256)
        return self.sandbox.run([self.python, *arguments], work, {}, limits, cwd=work)

    def _smoke(self, child_dir: Path, job_dir: Path, agent: str) -> tuple[str, float]:
        wall = self.config.smoke_timeout_s
        limits = AgentLimits(wall_s=wall, grace_s=min(10.0, wall / 2), max_steps=5)
        try:
            run = self.smoke.run_agent(
                child_dir,
                SMOKE_TASK,
                job_dir,
                repo=lambda repo: (repo / "NOTES.txt").write_text("nothing to do here\n"),
                role="task",
                agent=agent,
                job=f"smoke-{agent}",
                limits=limits,
            )
        except UserError as error:  # e.g. the child no longer has a runnable package
            return f"smoke run: {error}", 0.0
        seconds = run.timings.get("total", 0.0)
        if problem := _failed("smoke run", run.process):
            return problem, seconds
        result = read_agent_json(run.out_dir, "result.json")
        if result is None:
            return "smoke run: no result.json written", seconds
        if result.get("reason") != "finished":
            return f"smoke run: stopped with {result.get('reason')!r}, not 'finished'", seconds
        if read_agent_file(run.out_dir, "trajectory.jsonl") is None:
            return "smoke run: no trajectory.jsonl written", seconds
        return "", seconds
