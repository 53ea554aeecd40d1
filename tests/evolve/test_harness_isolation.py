"""What crosses the sandbox boundary: the provider key never goes in; only the repository's
diff, and nothing an agent points at on the host, comes out; the job token dies with the job."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from harness_support import (  # noqa: F401 (fixtures are found by name)
    SCRIPTS,
    StartHarness,
    exercises_fixture,
    private_home_fixture,
    sandbox_fixture,
    short_dir_fixture,
    start_harness_fixture,
    task_fixture,
)

from hgm.bench.exercises import ExercismBenchmark
from hgm.bench.types import Task
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.agent_task import AgentLimits, AgentTask
from hgm.llm import calls_for_job
from hgm.llm.gateway_errors import InvalidToken

pytestmark = pytest.mark.sandbox

SECRET = "sk-harness-fake-secret-5e1d0c"
CANARY = "canary-7c41-in-the-repo"


def _plant_probe(repo: Path) -> None:
    shutil.copy(SCRIPTS / "probe.py", repo / "probe.py")
    (repo / "notes.txt").write_text(f"{CANARY}\n")


def test_the_provider_key_never_reaches_the_sandbox(
    start_harness: StartHarness, short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HGM_TEST_UNUSED_KEY", SECRET)
    unused = {"kind": "openai", "base_url": "http://127.0.0.1:9/v1"}
    harness = start_harness(
        "probe_secrets.toml", unused=unused | {"api_key_env": "HGM_TEST_UNUSED_KEY"}
    )
    task = AgentTask("probe", "Look around.", "python")
    run = harness.run_agent(
        SEED_AGENT_DIR, task, short_dir / "probe", repo=_plant_probe, role="task",
        agent="0", job="probe",
    )  # fmt: skip
    assert run.stop_reason == "finished", run.process.stderr_tail
    calls = calls_for_job(short_dir / "run.db", "probe")
    tool_output = calls[-1].request["messages"][-1]["content"]
    report = json.loads(tool_output[tool_output.index("PROBE ") + 6 :].splitlines()[0])
    assert report["secret"] == []
    assert str(run.repo_dir / "notes.txt") in report["canary"]  # the search does find things
    assert report["token_in_env"] == ["True"]
    for path in run.job_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET.encode() not in (short_dir / "run.db").read_bytes()


def _program_agent(root: Path, body: str) -> Path:
    """An agent version that is a plain program (no LLM): `python -m prog` runs `body`."""
    (root / "prog").mkdir(parents=True)
    header = (
        "import json, os, shutil, sys\nfrom pathlib import Path\n"
        "args = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        "repo, out = Path(args['--repo']), Path(args['--out'])\n"
    )
    (root / "prog" / "__main__.py").write_text(header + textwrap.dedent(body))
    return root


def test_only_the_repository_diff_comes_out_and_symlinks_are_not_followed(
    start_harness: StartHarness,
    exercises: ExercismBenchmark,
    task: Task,
    short_dir: Path,
    tmp_path: Path,
) -> None:
    host_result = tmp_path / "host-result.json"
    host_result.write_text('{"reason": "read from the host"}')
    agent_dir = _program_agent(
        tmp_path / "agent",
        f"""
        (repo / "bracket_depth.py").write_text("def max_depth(text):\\n    return 0\\n")
        (repo / "helper.py").write_text("X = 1\\n")
        (repo.parent / "outside.txt").write_text("written outside the repository")
        (repo / "__pycache__").mkdir()
        (repo / "__pycache__" / "helper.cpython-311.pyc").write_bytes(b"\\0bytecode")
        os.symlink({str(host_result)!r}, out / "result.json")
        print("TOKEN", os.environ["HGM_LLM_API_KEY"])
        """,
    )
    harness = start_harness("sleep_forever.toml")
    evaluation = harness.evaluate(
        agent_dir, exercises, task, short_dir / "files", agent="3", job="files"
    )
    run = evaluation.run
    assert run.process.exit_code == 0, run.process.stderr_tail
    assert run.stop_reason is None  # the symlinked result.json was not read
    changed = [line for line in run.diff.splitlines() if line.startswith("diff --git")]
    assert changed == [
        "diff --git a/bracket_depth.py b/bracket_depth.py",
        "diff --git a/helper.py b/helper.py",
    ]
    assert evaluation.grade.dropped_files == ("helper.py",)
    assert not evaluation.resolved
    token = run.process.stdout_tail.split("TOKEN ", 1)[1].strip()
    with pytest.raises(InvalidToken):
        harness.gateway.close_job(token)


def test_a_repository_swapped_for_a_symlink_gives_an_empty_diff(
    start_harness: StartHarness, short_dir: Path, tmp_path: Path
) -> None:
    host_dir = tmp_path / "host-files"
    host_dir.mkdir()
    (host_dir / "private.txt").write_text("host data\n")
    agent_dir = _program_agent(
        tmp_path / "agent",
        f"""
        shutil.rmtree(repo)
        os.symlink({str(host_dir)!r}, repo)
        """,
    )
    harness = start_harness("sleep_forever.toml")
    run = harness.run_agent(
        agent_dir, AgentTask("swap", "x", "python"), short_dir / "swap",
        repo=lambda repo: (repo / "a.py").write_text("A = 1\n"), role="task", agent="4",
        job="swap",
    )  # fmt: skip
    assert run.process.exit_code == 0, run.process.stderr_tail
    assert run.diff == "" and run.diff_error is None
    assert (host_dir / "private.txt").read_text() == "host data\n"


def test_self_modification_runs_the_agent_on_a_copy_of_its_own_source(
    start_harness: StartHarness, short_dir: Path
) -> None:
    harness = start_harness("self_improve_note.toml", AgentLimits(wall_s=60, grace_s=5))
    task = AgentTask("self-improve-1", "improve yourself: keep outputs short", "python")
    run = harness.run_agent(
        SEED_AGENT_DIR, task, short_dir / "expand", repo=SEED_AGENT_DIR, role="self_improve",
        agent="0", job="expand-1",
    )  # fmt: skip
    assert run.stop_reason == "finished", run.process.stderr_tail
    assert run.diff.startswith("diff --git a/AGENT.md b/AGENT.md")
    assert "+Keep tool outputs short." in run.diff
    assert (run.repo_dir / "coding_agent" / "loop.py").is_file()
    calls = calls_for_job(short_dir / "run.db", "expand-1")
    assert {call.role for call in calls} == {"self_improve"} and len(calls) == 2
