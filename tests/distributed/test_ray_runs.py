"""Runs on a real local Ray cluster: results semantics as a local run, nodes recorded,
every worker node killed mid-run and a new one joining, the hgm process killed and
resumed, the quick start, and no provider key on any node. The worker nodes are killed
last: the module shares one cluster."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from ray_cluster import LocalCluster

from conftest import SECRET, hgm, kill_group, run_env, start_hgm, wait_for
from hgm.archive import Archive
from hgm.distributed.forwarder import GatewayAddress
from hgm.llm.config import (
    GatewayConfig,
    RoleModel,
    ScriptedProviderConfig,
    ScriptReply,
    TcpListenerConfig,
)
from hgm.llm.gateway import Gateway
from hgm.runconfig.config import parse_run_config
from hgm.runconfig.executor import RayExecutorSection
from hgm.runconfig.real_world import BenchSection
from hgm.runconfig.status import read_status
from hgm.sandbox.config import BubblewrapConfig

pytestmark = [pytest.mark.ray, pytest.mark.slow]

SIM = """
[run]
name = "{name}"
seed = 3
workers = {workers}
[budget]
task_evals = {budget}
[world]
kind = "sim"
seconds_per_time_unit = {scale}
[world.sim]
kind = "drift"
n_tasks = 30
[executor]
kind = "ray"
address = "{address}"
"""


def sim_config(tmp_path: Path, cluster: LocalCluster, **values: object) -> Path:
    settings = {"name": "sim", "workers": 4, "budget": 30, "scale": 0.05} | values
    path = tmp_path / f"{settings['name']}.toml"
    path.write_text(SIM.format(address=cluster.address, **settings))
    return path


def rows_of(database: Path, query: str) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute(query).fetchall()


def rows(run: Path, query: str) -> list[tuple]:
    return rows_of(run / "run.db", query)


def placements(run: Path) -> list[dict]:
    return [
        json.loads(p) for (p,) in rows(run, "SELECT payload FROM events WHERE type = 'JobPlaced'")
    ]


def assert_exact(run: Path, budget: int) -> None:
    """The budget spent exactly, every pair evaluated once, every job finished once."""
    pairs = rows(run, "SELECT agent, task FROM evaluations")
    assert len(pairs) == budget
    assert len(set(pairs)) == budget
    assert rows(run, "SELECT count(*) FROM jobs WHERE status != 'done'") == [(0,)]
    finished = Counter(
        json.loads(p)["job"]
        for (p,) in rows(
            run,
            "SELECT payload FROM events WHERE type IN ('EvaluationFinished', 'ExpansionFinished')",
        )
    )
    assert all(count == 1 for count in finished.values())


def node_label(cluster: LocalCluster, name: str) -> str:
    import ray

    node = next(n for n in ray.nodes() if n["Alive"] and name in n["Resources"])
    return node["NodeID"][:8]


def test_sim_run_spreads_over_nodes_and_resumes_after_the_head_is_killed(
    cluster: LocalCluster, tmp_path: Path
):
    config = sim_config(tmp_path, cluster, budget=24, scale=0.15)
    env = run_env(tmp_path)
    process = start_hgm("run", str(config), "--run-dir", "run", env=env, cwd=tmp_path)
    run = tmp_path / "run"

    def placed_jobs_shown() -> bool:  # status shows where each job runs (the CLI's own
        # rendering of it is tested in tests/cli)
        return any(job.node for job in read_status(run).running)

    def started() -> bool:  # run.db comes first, run.toml a moment later
        return (run / "run.db").exists() and (run / "run.toml").exists()

    wait_for(lambda: started() and placed_jobs_shown(), what="a placed job")
    wait_for(lambda: len(rows(run, "SELECT job FROM evaluations")) >= 6, what="evaluations")
    kill_group(process)
    resumed = hgm("resume", "run", env=env, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert_exact(run, 24)
    nodes = {p["node"].split("/")[1] for p in placements(run)}
    assert nodes == {node_label(cluster, "w1"), node_label(cluster, "w2")}
    details = [json.loads(d) for (d,) in rows(run, "SELECT details FROM evaluations")]
    assert all(d["node"].split("/")[1] in nodes for d in details)
    status = read_status(run)
    assert status.state == "finished" and status.task_evals_done == 24


def _keyless(cluster: LocalCluster) -> set[str]:
    """Assert that no process of any node holds the provider key; the kinds of sandboxed
    programs among them."""
    sandboxes: set[str] = set()
    for pid, name in cluster.processes().items():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        assert SECRET.encode() not in environ, f"the key reached {name}: {command}"
        if Path(command[0].decode()).name == "bwrap":
            sandboxes.add("bwrap")
        elif b"coding_agent" in command:
            sandboxes.add("agent")
    return sandboxes


def _watch_keys(cluster: LocalCluster, process: subprocess.Popen[str]) -> set[str]:
    """`_keyless` again and again until `process` ends; every kind of sandboxed program seen."""
    seen: set[str] = set()
    while process.poll() is None:
        seen |= _keyless(cluster)
        time.sleep(0.2)
    return seen


def test_quickstart_through_ray_pauses_when_nodes_lose_the_gateway_then_resumes(
    cluster: LocalCluster, tmp_path: Path
):
    """The quick start with the gateway served over TLS. First the nodes trust the wrong
    certificate: each job finds the gateway out of reach on its node and comes back
    unfinished, re-queued uncharged, and the run pauses (exit 75) as a local run does. With
    the right certificate, `hgm resume` runs the budget exactly; calls are attributed to
    their jobs and no node process or sandbox ever holds the provider key."""
    cert, key = _self_signed(tmp_path)
    (tmp_path / "other").mkdir()
    wrong, _ = _self_signed(tmp_path / "other")
    trusted = tmp_path / "trusted.pem"
    trusted.write_text(wrong.read_text())
    source = (Path(__file__).parents[2] / "examples" / "quickstart.toml").read_text()
    config = source.replace("task_evals = 60", "task_evals = 6").replace(
        "workers = 2", "workers = 3"
    )
    config += f"""
[executor]
kind = "ray"
address = "{cluster.address}"
node_dir = "{tmp_path / "nodes"}"
[executor.gateway]
host = "127.0.0.1"
tls_cert = "{cert}"
tls_key = "{key}"
tls_ca = "{trusted}"
"""
    (tmp_path / "qs.toml").write_text(config)
    env = run_env(tmp_path)
    paused = hgm("run", "qs.toml", "--run-dir", "run", env=env, cwd=tmp_path, timeout=600)
    assert paused.returncode == 75, paused.stderr
    run = tmp_path / "run"
    requeued = [
        json.loads(p) for (p,) in rows(run, "SELECT payload FROM events WHERE type = 'JobRequeued'")
    ]
    assert len(requeued) >= 3 and all(event["component"] == "gateway" for event in requeued)
    assert all(
        event["reason"].startswith("on node ") and "CERTIFICATE_VERIFY_FAILED" in event["reason"]
        for event in requeued
    ), requeued[0]
    assert rows(run, "SELECT count(*) FROM evaluations") == [(0,)]  # nothing recorded
    assert read_status(run).state == "paused"

    trusted.write_text(cert.read_text())
    resumed = start_hgm("resume", "run", env=env, cwd=tmp_path)
    seen = _watch_keys(cluster, resumed)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert seen == {"bwrap", "agent"}  # the watch saw sandboxes at work
    assert_exact(run, 6)
    assert Archive.open(run / "agents.git").verify() == []
    calls = set(rows(run, "SELECT DISTINCT job, role FROM llm_calls WHERE run = 'quickstart'"))
    for (details,) in rows(run, "SELECT details FROM evaluations"):
        details = json.loads(details)
        assert (details["job"], "task") in calls
        record = json.loads((Path(details["artifacts"]) / "record.json").read_text())
        assert record["run"]["job_dir"].startswith(str(run / "artifacts"))
        assert record["run"]["usage"]["calls"] >= 1 and record["node"]["attempt"] == 1
        assert record["run"]["llm_last_status"] == details["llm_last_status"] == "ok"
    for (job,) in rows(run, "SELECT json_extract(details, '$.job') FROM expansions"):
        assert (job, "diagnose") in calls
    _keyless(cluster)  # and what is left of the nodes after the run


def _on_node(cluster: LocalCluster, name: str, function, *arguments):
    """Run `function(*arguments)` in a worker process of node `name`."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    node = next(n for n in ray.nodes() if n["Alive"] and name in n["Resources"])
    strategy = NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
    task = ray.remote(function).options(num_cpus=0, scheduling_strategy=strategy)
    return ray.get(task.remote(*arguments), timeout=120)


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("tls", [False, True])
def test_a_node_reaches_the_gateway_only_with_its_job_token(
    cluster: LocalCluster, tmp_path: Path, tls: bool
):
    def calls(address: GatewayAddress, tokens: list[str]) -> list[int]:
        from hgm.distributed.forwarder import Forwarder
        from hgm.llm.probe import post_chat

        body = {"model": "task", "messages": [{"role": "user", "content": "hi"}]}
        statuses = []
        with Forwarder(address) as forwarder:
            for token in tokens:
                try:
                    statuses.append(post_chat(forwarder.socket_path, token, body, 30)[0])
                except OSError:
                    statuses.append(-1)
        return statuses

    cert, key = _self_signed(tmp_path) if tls else (None, None)
    config = GatewayConfig(
        providers={"s": ScriptedProviderConfig(default_reply=ScriptReply(content="ok"))},
        roles={"task": RoleModel(provider="s", model="m")},
        tcp=TcpListenerConfig(host="127.0.0.1", port=0, tls_cert=cert, tls_key=key),
    )
    socket_dir = Path(tempfile.mkdtemp(prefix="hgm-gw-", dir="/tmp"))
    with Gateway(config, socket_dir=socket_dir, db_path=tmp_path / "gw.db", run="t") as gateway:
        assert gateway.tcp_port is not None
        pem = cert.read_text() if cert else None
        address = GatewayAddress("127.0.0.1", gateway.tcp_port, pem)
        token = gateway.open_job("t", "0", "job-1", "task")
        assert _on_node(cluster, "w1", calls, address, ["", "hgm-job-forged", token]) == [
            401,
            401,
            200,
        ]
        gateway.close_job(token)
        assert _on_node(cluster, "w2", calls, address, [token]) == [401]
        if tls:  # plain TCP to the TLS listener gets no answer; neither does a wrong CA
            plain = GatewayAddress("127.0.0.1", gateway.tcp_port)
            (tmp_path / "other").mkdir()
            other, _ = _self_signed(tmp_path / "other")
            wrong = GatewayAddress("127.0.0.1", gateway.tcp_port, other.read_text())
            fresh = gateway.open_job("t", "0", "job-2", "task")
            assert _on_node(cluster, "w1", calls, plain, [fresh]) == [-1]
            assert _on_node(cluster, "w1", calls, wrong, [fresh])[0] == 502
    assert rows_of(tmp_path / "gw.db", "SELECT job, http_status FROM llm_calls") == [("job-1", 200)]


def test_preflight_names_the_node_and_what_is_missing(cluster: LocalCluster, tmp_path: Path):
    import ray

    from hgm.distributed.preflight import NodeCheck, _run_check, cluster_problems

    check = NodeCheck(
        "0.0.0-elsewhere",
        (3, 11),
        BubblewrapConfig(binary=Path("/nonexistent/bwrap")),
        BenchSection(name="humaneval"),
        ("HumanEval/0",),
        ("127.0.0.1", 9),  # nothing listens on the discard port
    )
    for name in ("w1", "w2"):
        label = f"node {socket.gethostname()}/{node_label(cluster, name)}"
        problems = _on_node(cluster, name, _run_check, check)
        assert len(problems) == 3 and all(problem.startswith(label) for problem in problems)
        assert "hgm 0.1.0" in problems[0] and "install the same" in problems[0]
        assert "cannot reach the head at 127.0.0.1:9" in problems[1]
        assert "sandbox bubblewrap" in problems[2]
    config = parse_run_config(
        sim_config(tmp_path, cluster).read_text() + "resources = { nowhere = 1 }\n", "t.toml"
    )
    assert isinstance(config.executor, RayExecutorSection)
    [problem] = cluster_problems(config, config.executor)
    assert "0 alive nodes" in problem and "require_nodes" in problem
    assert ray.is_initialized()  # the test's own connection is left alone


def test_the_run_waits_out_losing_every_worker_node_and_finishes_on_a_new_one(
    cluster: LocalCluster, tmp_path: Path
):
    """Both worker nodes killed mid-run: their jobs are re-queued (same ids), the run waits
    with no node at all, and a node that joins later takes the jobs and finishes the run,
    exactly once."""
    config = sim_config(tmp_path, cluster, budget=30, scale=0.6, workers=4)
    env = run_env(tmp_path)
    process = start_hgm("run", str(config), "--run-dir", "run", env=env, cwd=tmp_path)
    run = tmp_path / "run"
    victims = {node_label(cluster, "w1"), node_label(cluster, "w2")}
    wait_for(
        lambda: (
            (run / "run.db").exists()
            and {p["node"].split("/")[1] for p in placements(run)} == victims
            and len(rows(run, "SELECT job FROM evaluations")) >= 3
        ),
        what="jobs on both nodes",
    )
    cluster.node("w1").kill()
    cluster.node("w2").kill()
    time.sleep(3)  # no worker node at all for a while
    assert process.poll() is None
    cluster.add_worker("w3", 2)
    newcomer = node_label(cluster, "w3")
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert_exact(run, 30)
    retried = [p for p in placements(run) if p["attempt"] > 1]
    assert retried and all(p["node"].endswith(newcomer) for p in retried)
    assert {p["node"].split("/")[1] for p in placements(run)} == victims | {newcomer}
