"""Runs on a real local Ray cluster: results semantics as a local run, nodes recorded, a
worker node killed mid-run, the hgm process killed and resumed, the quick start, and no
provider key on any node. The worker node is killed last: the module shares one cluster."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from ray_cluster import LocalCluster

from conftest import SECRET, hgm, kill_group, run_env, start_hgm, wait_for
from hgm.archive import Archive

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


def rows(run: Path, query: str) -> list[tuple]:
    with sqlite3.connect(run / "run.db") as db:
        return db.execute(query).fetchall()


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

    def placed_jobs_shown() -> bool:  # status shows where each job runs
        status = hgm("status", "run", "--json", env=env, cwd=tmp_path)
        return any(job["node"] for job in json.loads(status.stdout).get("running", []))

    wait_for(lambda: (run / "run.db").exists() and placed_jobs_shown(), what="a placed job")
    wait_for(lambda: len(rows(run, "SELECT job FROM evaluations")) >= 6, what="evaluations")
    kill_group(process)
    resumed = hgm("resume", "run", env=env, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert_exact(run, 24)
    nodes = {p["node"].split("/")[1] for p in placements(run)}
    assert nodes == {node_label(cluster, "w1"), node_label(cluster, "w2")}
    details = [json.loads(d) for (d,) in rows(run, "SELECT details FROM evaluations")]
    assert all(d["node"].split("/")[1] in nodes for d in details)
    status = json.loads(hgm("status", "run", "--json", env=env, cwd=tmp_path).stdout)
    assert status["state"] == "finished" and status["task_evals_done"] == 24


def test_quickstart_through_ray_records_calls_and_keeps_keys_home(
    cluster: LocalCluster, tmp_path: Path
):
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
"""
    (tmp_path / "qs.toml").write_text(config)
    env = run_env(tmp_path)
    done = hgm("run", "qs.toml", "--run-dir", "run", env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    run = tmp_path / "run"
    assert_exact(run, 6)
    assert Archive.open(run / "agents.git").verify() == []
    calls = rows(run, "SELECT DISTINCT job, role FROM llm_calls WHERE run = 'quickstart'")
    jobs = {json.loads(d)["job"] for (d,) in rows(run, "SELECT details FROM evaluations")}
    assert jobs <= {job for job, role in calls if role == "task"}
    for (details,) in rows(run, "SELECT details FROM evaluations"):
        record = json.loads((Path(json.loads(details)["artifacts"]) / "record.json").read_text())
        assert record["run"]["job_dir"].startswith(str(run / "artifacts"))
        assert record["run"]["usage"]["calls"] >= 1 and record["node"]["attempt"] == 1
    for node in cluster.nodes:
        for pid in node.pids():
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            assert SECRET.encode() not in environ, f"the key reached {node.name} (pid {pid})"


def test_lost_worker_node_requeues_its_jobs_exactly_once(cluster: LocalCluster, tmp_path: Path):
    config = sim_config(tmp_path, cluster, budget=16, scale=0.6, workers=4)
    env = run_env(tmp_path)
    process = start_hgm("run", str(config), "--run-dir", "run", env=env, cwd=tmp_path)
    run = tmp_path / "run"
    victim = node_label(cluster, "w2")
    wait_for(
        lambda: (
            (run / "run.db").exists()
            and any(p["node"].endswith(victim) for p in placements(run))
            and len(rows(run, "SELECT job FROM evaluations")) >= 3
        ),
        what="jobs on the node to kill",
    )
    cluster.node("w2").kill()
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert_exact(run, 16)
    retried = [p for p in placements(run) if p["attempt"] > 1]
    assert retried and all(not p["node"].endswith(victim) for p in retried)
