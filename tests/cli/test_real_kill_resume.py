"""Crash safety of a real run: `hgm run` SIGKILLed during a self-modification, during grading
and during a gateway call, `hgm resume` after each. After every kill the archive holds every
agent run.db knows; at the end they hold the same agents, the run is whole, and every LLM
call is charged once: what the jobs cost is what the gateway recorded, nothing twice.

The model is the quick start's scripted one, served by an OpenAI-compatible server on
127.0.0.1 (so a call can be held open while hgm is killed) and priced, so costs count.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from run_checks import assert_resumed_run_is_whole

from components import need
from hgm.archive import Archive
from hgm.evolve.build import ARCHIVE_NAME, gateway_config, load_bench
from hgm.llm import calls_for_job
from hgm.llm.provider import Provider, ProviderRequest
from hgm.llm.providers import build_provider
from hgm.runconfig.config import parse_run_config
from hgm.runconfig.real_world import RealWorldSection
from hgm.runconfig.status import read_status
from hgm.sandbox import BubblewrapConfig, check_backend, make_sandbox

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

BUDGET = 8
PRICE_PER_M = 50.0
ROLES = ("task", "self_improve", "diagnose")
WORLD = """
[world.bench]
name = "humaneval"
[world.bench.subset]
size = 6
heldout_size = 1
seed = 2
[world.limits]
max_steps = 8
wall_clock_s = 60
grace_s = 10
[world.validation]
unit_tests = false
smoke_run = false
"""
HEAD = f"""
[run]
name = "killed"
seed = 2
workers = 1
[budget]
task_evals = {BUDGET}
[world]
kind = "real"
"""


class ScriptedServer:
    """The quick start's scripted models behind an OpenAI-compatible HTTP server; `hold()`
    makes the next call of a job (not a one-message pre-flight probe) wait until
    `release()`."""

    def __init__(self, providers: dict[str, Provider]) -> None:
        self.providers = providers
        self.answered = 0
        self.holding = threading.Event()
        self.held = threading.Event()
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if server.holding.is_set() and len(body["messages"]) > 1:  # a job's, no probe
                    server.holding.clear()
                    server.held.set()
                    server.released.wait(120)
                model = body["model"]
                request = ProviderRequest(model, model, body, "")
                reply = asyncio.run(server.providers[model].complete(request, 30))
                answer = {
                    "id": "chatcmpl-scripted",
                    "object": "chat.completion",
                    "model": model,
                    "choices": [
                        {"index": 0, "message": reply.message, "finish_reason": reply.finish_reason}
                    ],
                    "usage": {
                        "prompt_tokens": reply.usage.input_tokens,
                        "completion_tokens": reply.usage.output_tokens,
                    },
                }
                data = json.dumps(answer).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    server.answered += 1
                except OSError:
                    return  # the caller was killed

            def log_message(self, *args: Any) -> None:
                return

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/v1"

    def hold(self) -> None:
        self.held.clear()
        self.released.clear()
        self.holding.set()

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ScriptedServer]:
    quick = parse_run_config(f"{HEAD}\n[world.quickstart]\nbroken_share = 0\n{WORLD}", "quick")
    assert isinstance(quick.world, RealWorldSection)
    setup = load_bench(quick.world, make_sandbox(BubblewrapConfig()))
    config = gateway_config(quick.world, setup, tmp_path / "rules")
    providers = {
        config.roles[role].model: build_provider(
            role, config.providers[config.roles[role].provider]
        )
        for role in ROLES
    }
    scripted = ScriptedServer(providers)
    scripted.thread.start()
    yield scripted
    scripted.release()
    scripted.http.shutdown()


def run_config(server: ScriptedServer) -> str:
    llm = f'[world.llm.providers.local]\nkind = "openai"\nbase_url = "{server.url}"\n'
    llm += 'api_key_env = ""\n'
    for role in ROLES:
        llm += f'[world.llm.roles.{role}]\nprovider = "local"\nmodel = "quickstart-{role}"\n'
        llm += f"price = {{input_per_m = {PRICE_PER_M}, output_per_m = {PRICE_PER_M}}}\n"
    return f"{HEAD}\n{llm}\n{WORLD}"


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def sandboxed_commands(root: int) -> list[list[str]]:
    """The commands the sandboxes under process `root` run (what follows bwrap's `--`)."""
    commands = []
    for pid in descendants(root):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"bwrap") and b"--" in argv:
            commands.append([part.decode() for part in argv[argv.index(b"--") + 1 :] if part])
    return commands


def processes_naming(path: Path) -> list[int]:
    """Processes whose command line names `path` (sandboxes working in the run)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if str(path).encode() in Path(f"/proc/{entry.name}/cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def running_job(db: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            row = connection.execute("SELECT kind FROM jobs WHERE status = 'running'").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


def agent_running(commands: list[list[str]]) -> bool:
    return any("--task" in command for command in commands)


def grading(commands: list[list[str]]) -> bool:
    return bool(commands) and not agent_running(commands)


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 240
    while not ready():
        assert process.poll() is None, f"the run ended before {what}: {process.stdout}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db, timeout=30) as connection:
        return connection.execute(sql).fetchall()


def assert_archive_holds_the_database(run: Path) -> Archive:
    archive = Archive.open(run / ARCHIVE_NAME)
    assert archive.verify() == []
    known = {int(row[0]) for row in query(run / "run.db", "SELECT id FROM agents")}
    assert known <= set(archive.agents()), "an agent of run.db has no commit"
    return archive


def test_sigkill_during_expansion_grading_and_a_call_then_resume_is_whole(
    tmp_path: Path, server: ScriptedServer
) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    config = tmp_path / "killed.toml"
    config.write_text(run_config(server))
    run, db = tmp_path / "run", tmp_path / "run" / "run.db"

    def hgm(*args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "hgm", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # killpg reaches hgm; its sandboxes die with it
        )

    process = hgm("run", str(config), "--run-dir", str(run))
    kill_when(
        process,
        lambda: running_job(db) == "evaluate" and grading(sandboxed_commands(process.pid)),
        "grading",
    )
    assert read_status(run).state == "crashed"
    assert_archive_holds_the_database(run)

    process = hgm("resume", str(run))
    kill_when(
        process,
        lambda: running_job(db) == "expand" and agent_running(sandboxed_commands(process.pid)),
        "a self-modification",
    )
    assert read_status(run).state == "crashed"
    assert_archive_holds_the_database(run)

    server.hold()
    process = hgm("resume", str(run))
    kill_when(process, server.held.is_set, "a gateway call")
    server.release()
    assert read_status(run).state == "crashed"
    assert_archive_holds_the_database(run)

    process = hgm("resume", str(run))
    assert process.wait(300) == 0
    assert processes_naming(run) == [], "a sandbox of a killed hgm outlived the resume"
    status = assert_resumed_run_is_whole(run, BUDGET)
    archive = assert_archive_holds_the_database(run)
    assert archive.agents() == sorted(row[0] for row in query(db, "SELECT id FROM agents"))
    assert status["agents"] >= 2, "an expansion was cut short and done again"

    # every call charged once: each job's cost is exactly what the gateway recorded for it
    rows = query(db, "SELECT cost_usd, details FROM evaluations UNION ALL "
                     "SELECT cost_usd, details FROM expansions")  # fmt: skip
    jobs = [json.loads(details)["job"] for _, details in rows]
    assert len(set(jobs)) == len(jobs), "a job's calls were charged to two results"
    calls = [call for job in jobs for call in calls_for_job(db, job)]
    charged = sum(cost for cost, _ in rows)
    recorded = sum(call.cost_usd for call in calls)
    assert charged == pytest.approx(recorded) and charged > 0
    assert status["money_usd"] == pytest.approx(recorded)
    assert len(calls) <= server.answered, "a call was recorded twice"
    reruns = query(db, "SELECT sum(attempts - 1) FROM jobs")[0][0]
    assert reruns >= 3, "each kill cut a job short, which ran again under its own id"
