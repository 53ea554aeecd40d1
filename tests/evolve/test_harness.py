"""Acceptance: one agent version on one built-in exercise, with the scripted model behind the
real gateway, in the real bubblewrap sandbox, graded on the hidden tests."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest
from harness_support import (  # noqa: F401 (fixtures are found by name)
    RUN,
    StartHarness,
    exercises_fixture,
    private_home_fixture,
    sandbox_fixture,
    short_dir_fixture,
    start_harness_fixture,
    task_fixture,
    trajectory_steps,
)

from hgm.bench.exercises import ExercismBenchmark
from hgm.bench.types import Task
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.agent_task import AgentLimits
from hgm.evolve.harness import Harness
from hgm.llm import calls_for_job
from hgm.sandbox import UnsafeLocalConfig, make_sandbox
from hgm.sandbox.types import KillReason

pytestmark = pytest.mark.sandbox


def test_seed_agent_solves_an_exercise_through_real_tool_calls(
    start_harness: StartHarness, exercises: ExercismBenchmark, task: Task, short_dir: Path
) -> None:
    harness = start_harness("solve_bracket_depth.toml")
    job_dir = short_dir / "artifacts" / "eval-1"
    evaluation = harness.evaluate(SEED_AGENT_DIR, exercises, task, job_dir, agent="0", job="eval-1")

    assert evaluation.resolved, evaluation.grade
    grade = evaluation.grade
    assert len(grade.tests) == 9 and all(outcome.passed for outcome in grade.tests)
    assert not grade.empty_diff and grade.dropped_files == ()
    run = evaluation.run
    assert run.process.exit_code == 0 and run.process.killed is KillReason.NONE
    assert run.stop_reason == "finished"
    assert run.stop_detail == "max_depth tracks a stack of open brackets"
    assert run.diff.startswith("diff --git a/bracket_depth.py b/bracket_depth.py")
    assert "+            stack.append(char)" in run.diff

    steps = trajectory_steps(run.out_dir)
    used = [result["tool"] for step in steps for result in step["results"]]
    assert used == ["bash", "editor", "bash", "finish"]
    assert "depth 3" in steps[2]["results"][0]["output"]

    calls = calls_for_job(short_dir / "run.db", "eval-1")
    assert [(c.run, c.agent, c.role, c.status) for c in calls] == [(RUN, "0", "task", "ok")] * 4
    assert run.usage.calls == 4
    assert run.usage.input_tokens == sum(c.input_tokens for c in calls) > 0
    assert run.usage.output_tokens == sum(c.output_tokens for c in calls) > 0

    assert 0 < evaluation.overhead_s < evaluation.wall_s
    assert evaluation.test_s > 0 and run.process.wall_s > 0
    record = json.loads((job_dir / "record.json").read_text())
    assert record["resolved"] is True and record["task"] == task.id
    assert record["run"]["usage"]["calls"] == 4
    assert record["run"]["diff_stats"] == {"files": 1, "added": 15, "removed": 1, "binary": 0}
    assert record["run"]["diff_omitted"] == [] and record["run"]["diff_cap_bytes"] == 4 << 20
    assert record["grade"]["suspicious"] == [] and record["grade"]["tampered"] is False
    task_json = json.loads((job_dir / "work" / "TASK.json").read_text())
    assert task_json["id"] == task.id and task_json["language"] == "python"
    assert task_json["instructions"] == task.instructions
    assert task_json["limits"]["wall_clock_s"] == 115


def test_a_wrong_edit_fails(
    start_harness: StartHarness, exercises: ExercismBenchmark, task: Task, short_dir: Path
) -> None:
    harness = start_harness("wrong_bracket_depth.toml")
    evaluation = harness.evaluate(
        SEED_AGENT_DIR, exercises, task, short_dir / "wrong", agent="0", job="wrong"
    )
    assert not evaluation.resolved
    assert evaluation.run.stop_reason == "finished"
    assert not evaluation.grade.empty_diff
    failed = {outcome.name for outcome in evaluation.grade.tests if not outcome.passed}
    assert "bracket_depth_test.py::test_siblings_do_not_add_up" in failed


def test_editing_the_tests_and_printing_passed_earns_no_credit(
    start_harness: StartHarness, exercises: ExercismBenchmark, task: Task, short_dir: Path
) -> None:
    harness = start_harness("cheat_bracket_depth.toml")
    evaluation = harness.evaluate(
        SEED_AGENT_DIR, exercises, task, short_dir / "cheat", agent="0", job="cheat"
    )
    assert "bracket_depth_test.py" in evaluation.run.diff
    assert not evaluation.resolved
    assert evaluation.grade.dropped_files == ("bracket_depth_test.py",)
    assert any(not outcome.passed for outcome in evaluation.grade.tests)
    assert "PASSED" in evaluation.grade.log_tail


def test_a_model_that_never_finishes_is_stopped_at_the_time_limit(
    start_harness: StartHarness, exercises: ExercismBenchmark, task: Task, short_dir: Path
) -> None:
    limits = AgentLimits(wall_s=12, grace_s=6)
    harness = start_harness("sleep_forever.toml", limits)
    started = time.monotonic()
    evaluation = harness.evaluate(
        SEED_AGENT_DIR, exercises, task, short_dir / "sleepy", agent="0", job="sleepy"
    )
    run = evaluation.run
    assert run.stop_reason == "time_limit"
    assert 6 <= run.process.wall_s < 12 + 3
    assert not evaluation.resolved and evaluation.grade.empty_diff
    assert run.usage.calls >= 1
    assert time.monotonic() - started < 60


def test_an_agent_program_that_loops_is_killed_at_its_wall_clock(
    start_harness: StartHarness,
    exercises: ExercismBenchmark,
    task: Task,
    short_dir: Path,
    tmp_path: Path,
) -> None:
    """An agent that ignores its deadline and SIGTERM: the sandbox kills it at `wall_s`."""
    agent_dir = tmp_path / "stuck_agent"
    (agent_dir / "stuck").mkdir(parents=True)
    (agent_dir / "stuck" / "__main__.py").write_text(
        textwrap.dedent(
            """
            import signal, sys
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            repo = sys.argv[sys.argv.index("--repo") + 1]
            with open(repo + "/bracket_depth.py", "a") as handle:
                handle.write("# half-way\\n")
            while True:
                pass
            """
        )
    )
    harness = start_harness("sleep_forever.toml", AgentLimits(wall_s=3, grace_s=1))
    evaluation = harness.evaluate(
        agent_dir, exercises, task, short_dir / "stuck", agent="7", job="stuck"
    )
    run = evaluation.run
    assert run.process.killed is KillReason.TIMEOUT
    assert 3 <= run.process.wall_s < 6
    assert run.stop_reason is None and run.usage.calls == 0
    assert "+# half-way" in run.diff
    assert not evaluation.resolved


def test_the_unsafe_local_backend_reaches_the_gateway_at_its_host_path(
    start_harness: StartHarness, exercises: ExercismBenchmark, task: Task, short_dir: Path
) -> None:
    """unsafe-local cannot move mounts: the relay and socket are used where they are."""
    gateway = start_harness("solve_bracket_depth.toml").gateway
    harness = Harness(make_sandbox(UnsafeLocalConfig()), gateway, RUN, AgentLimits(wall_s=60))
    evaluation = harness.evaluate(
        SEED_AGENT_DIR, exercises, task, short_dir / "local", agent="0", job="local"
    )
    assert evaluation.resolved and evaluation.run.usage.calls == 4
