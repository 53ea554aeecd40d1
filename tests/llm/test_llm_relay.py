"""The relay: standard library only, forwards to the gateway socket, returns the child's code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from llm_fakes import FakeUpstream, StartGateway, openai_config

from hgm.llm.launch import RELAY_SOURCE, agent_launch

SECRET = "sk-test-relay"


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", SECRET)


def test_relay_imports_only_the_standard_library() -> None:
    tree = ast.parse(RELAY_SOURCE.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported and imported <= set(sys.stdlib_module_names), imported
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(RELAY_SOURCE), "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0 and "--socket" in done.stdout


def test_relay_without_a_command_is_an_error() -> None:
    done = subprocess.run(
        [sys.executable, "-I", str(RELAY_SOURCE), "--socket", "/nonexistent"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and "agent command" in done.stderr


def test_relay_exit_code_and_environment_without_a_sandbox(
    upstream: FakeUpstream,
    start_gateway: StartGateway,
    short_dir: Path,
) -> None:
    """The relay alone (as unsafe-local would run it): base URL set, child's code returned."""
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    script = (
        "import json, os, sys, urllib.request\n"
        "request = urllib.request.Request(os.environ['HGM_LLM_BASE_URL'] + '/models',"
        " headers={'Authorization': 'Bearer ' + sys.argv[1]})\n"
        "print(json.loads(urllib.request.urlopen(request).read())['data'][0]['id'])\n"
        "sys.exit(7)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            str(RELAY_SOURCE),
            "--socket",
            str(gateway.socket_path),
            "--",
            sys.executable,
            "-c",
            script,
            token,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 7, done.stderr
    assert done.stdout.strip() == "task"


def test_agent_launch_mounts_read_only_and_passes_no_key(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    launch = agent_launch(gateway, token, "task", python="/usr/bin/python3", port=8765)
    assert [(m.source, m.target, m.writable) for m in launch.mounts] == [
        (gateway.job_socket(token).parent, "/hgm/llm", False),
        (RELAY_SOURCE, "/hgm/relay.py", False),
    ]
    assert launch.env == {
        "HGM_LLM_API_KEY": token,
        "HGM_MODEL": "task",
        "HGM_LLM_SOCKET": "/hgm/llm/llm.sock",
    }
    assert launch.wrap(["agent", "--x"]) == [
        "/usr/bin/python3",
        "-I",
        "/hgm/relay.py",
        "--socket",
        "/hgm/llm/llm.sock",
        "--port",
        "8765",
        "--",
        "agent",
        "--x",
    ]
