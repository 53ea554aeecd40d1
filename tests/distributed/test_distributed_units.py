"""The distributed executor's parts that need no cluster: config, the lazy registry and
its install hint, bounded artifacts, the head's reading of a node job's last LLM call."""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path

import pytest
from ray_cluster import ray_problem

from components import need
from hgm.cli.app import main
from hgm.distributed.artifacts import LEFT_OUT, pack, unpack
from hgm.distributed.remote import NodeInfo
from hgm.engine.registry import executor_backend
from hgm.errors import InfrastructureFailure, UserError
from hgm.llm.config import (
    GatewayConfig,
    OpenAIProviderConfig,
    RetryConfig,
    RoleModel,
    ScriptedProviderConfig,
    ScriptReply,
)
from hgm.llm.gateway import Gateway
from hgm.llm.probe import post_chat
from hgm.runconfig.config import parse_run_config
from hgm.runconfig.executor import LocalExecutorSection, RayExecutorSection

SIM = """
[run]
name = "units"
[budget]
task_evals = 4
[world]
kind = "sim"
[world.sim]
kind = "drift"
"""


def test_executor_section_defaults_to_local_and_validates_ray_settings():
    assert isinstance(parse_run_config(SIM, "t.toml").executor, LocalExecutorSection)
    config = parse_run_config(SIM + '[executor]\nkind = "ray"\nmax_in_flight = 8\n', "t.toml")
    assert isinstance(config.executor, RayExecutorSection)
    assert config.executor.address == "auto" and config.executor.max_in_flight == 8
    with pytest.raises(UserError, match="tls_cert and tls_key"):
        parse_run_config(
            SIM + '[executor]\nkind = "ray"\n[executor.gateway]\ntls_cert = "c.pem"\n', "t.toml"
        )
    with pytest.raises(UserError, match=r"executor\.cpus_per_job"):
        parse_run_config(SIM + '[executor]\nkind = "ray"\ncpus_per_job = -1\n', "t.toml")
    assert config.executor.queued_per_slot == 1
    with pytest.raises(UserError, match=r"executor\.queued_per_slot"):
        parse_run_config(SIM + '[executor]\nkind = "ray"\nqueued_per_slot = -1\n', "t.toml")


def test_a_node_holds_as_many_slots_as_its_scarcest_resource_allows():
    need("ray", ray_problem())
    from hgm.distributed.slots import slot_needs, slots_on

    section = RayExecutorSection(
        kind="ray", cpus_per_job=1.5, memory_mb_per_job=1024, resources={"gpu_box": 0.5}
    )
    needs = slot_needs(section)
    assert needs == {"CPU": 1.5, "memory": 1024 * 1024 * 1024, "gpu_box": 0.5}
    node = {"CPU": 8.0, "memory": 4.5 * 1024**3, "gpu_box": 1.0}
    assert slots_on(node, needs, cap=100) == 2  # gpu_box: 1.0 / 0.5
    assert slots_on({**node, "gpu_box": 4.0}, needs, cap=100) == 4  # memory: 4.5 GiB / 1 GiB
    assert slots_on({"CPU": 3.0}, needs, cap=100) == 0  # no memory, no gpu_box: none here
    assert slots_on({"CPU": 0.3 * 10}, {"CPU": 0.3}, cap=100) == 10  # float sums still fit
    free = slot_needs(RayExecutorSection(kind="ray", cpus_per_job=0))
    assert free == {} and slots_on({"CPU": 8.0}, free, cap=7) == 7


def test_without_ray_the_executor_says_how_to_install_it(monkeypatch, capsys, tmp_path: Path):
    for name in list(sys.modules):
        if name == "ray" or name.startswith(("ray.", "hgm.distributed")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray: ModuleNotFoundError
    with pytest.raises(UserError, match=r"pip install 'huxley-godel-machine\[ray\]'"):
        executor_backend("ray")
    config = tmp_path / "ray.toml"
    config.write_text(SIM + '[executor]\nkind = "ray"\n')
    monkeypatch.setattr(
        sys, "argv", ["hgm", "run", str(config), "--run-dir", str(tmp_path / "run")]
    )
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert "pip install 'huxley-godel-machine[ray]'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_artifacts_are_bounded_and_only_safe_entries_travel(tmp_path: Path):
    job = tmp_path / "job"
    (job / "work" / "repo").mkdir(parents=True)
    (job / "record.json").write_text("{}")
    (job / "work" / "repo" / "big.bin").write_bytes(b"x" * 5000)
    (job / "work" / "repo" / "small.txt").write_text("small")
    (job / "work" / "repo" / "inside").symlink_to("small.txt")
    (job / "work" / "repo" / "outside").symlink_to("/etc/passwd")
    (job / "work" / "repo" / "up").symlink_to("../../..")
    (job / "child").mkdir()
    (job / "child" / "agent.py").write_text("print()")
    packed = pack(job, limit=1000, exclude=("child",))
    assert packed.left_out == ("work/repo/big.bin", "work/repo/outside", "work/repo/up")
    dest = tmp_path / "dest"
    dest.mkdir()
    unpack(packed.data, dest)
    assert (dest / "record.json").read_text() == "{}"
    assert (dest / "work/repo/inside").resolve() == (dest / "work/repo/small.txt").resolve()
    assert not (dest / "child").exists() and not (dest / "work/repo/big.bin").exists()
    assert "work/repo/big.bin" in (dest / LEFT_OUT).read_text()


def test_the_head_reads_a_node_jobs_last_call_and_requeues_provider_failures(
    tmp_path: Path,
):
    """A node cannot see the gateway's record: when a result arrives, the head reads the
    attempt's last call; a provider that failed it makes the job an infrastructure failure
    (re-queued uncharged), an answered one gives the status the failure category needs."""
    need("ray", ray_problem())
    from hgm.distributed.real_remote import checked_last_call

    with socket.socket() as probe:  # a port where nothing listens: the provider is down
        probe.bind(("127.0.0.1", 0))
        down = probe.getsockname()[1]
    config = GatewayConfig(
        providers={
            "down": OpenAIProviderConfig(base_url=f"http://127.0.0.1:{down}/v1", api_key_env=""),
            "up": ScriptedProviderConfig(default_reply=ScriptReply(content="ok")),
        },
        roles={
            "task": RoleModel(provider="down", model="m"),
            "diagnose": RoleModel(provider="up", model="m"),
        },
        retry=RetryConfig(attempts=1),
    )
    database = tmp_path / "run.db"
    node = NodeInfo("host/abcd1234", "abcd1234" * 7, 1)
    socket_dir = Path(tempfile.mkdtemp(prefix="hgm-gw-", dir="/tmp"))
    with Gateway(config, socket_dir=socket_dir, db_path=database, run="r") as gateway:
        since = time.time()
        for job, role in (("eval-0-t", "task"), ("expand-1", "diagnose")):
            token = gateway.open_job("r", "0", job, role)
            body = {"model": role, "messages": [{"role": "user", "content": "hi"}]}
            post_chat(gateway.socket_path, token, body, 30)
            gateway.close_job(token)
    with pytest.raises(InfrastructureFailure) as failed:
        checked_last_call(database, "eval-0-t", since, node)
    assert failed.value.component == "provider"
    assert failed.value.message.startswith("job on node host/abcd1234: provider 'down'")
    assert checked_last_call(database, "eval-0-t", time.time(), node) is None  # a new attempt
    answered = checked_last_call(database, "expand-1", since, node)
    assert answered is not None and answered.status == "ok"
