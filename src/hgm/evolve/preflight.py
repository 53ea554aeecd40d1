"""Before a real run spends anything: is everything it needs here and working?

`preflight(section)` returns the problems found, each saying what is wrong and how to fix
it (empty: go). Checked: every provider's key variable, a local endpoint answering (only
when a base_url names this machine: remote endpoints are not called, that would cost),
the sandbox backend, the benchmark and its toolchain (the first search task's reference
solution must pass its hidden tests), and the root agent's contract (it compiles, its
unit tests pass, a smoke run against a free scripted model works).
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from hgm.archive import Archive
from hgm.errors import UserError
from hgm.evolve.build import load_bench, make_validator, root_source, started_gateway
from hgm.evolve.validation import smoke_gateway_config
from hgm.runconfig.real_world import RealWorldSection
from hgm.sandbox import Sandbox, check_backend, make_sandbox

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def provider_problems(section: RealWorldSection) -> list[str]:
    if section.llm is None:
        return []
    problems = []
    for name, provider in sorted(section.llm.providers.items()):
        key_env = getattr(provider, "api_key_env", None)
        if key_env and not os.environ.get(key_env):
            problems.append(
                f"provider {name!r}: the environment variable {key_env} is not set; "
                f"export {key_env}=... (the key stays in the hgm process), or set "
                f'api_key_env = "" for a server that needs no key'
            )
        base_url = getattr(provider, "base_url", None)
        if base_url and (problem := _local_endpoint_problem(name, base_url)):
            problems.append(problem)
    return problems


def _local_endpoint_problem(name: str, base_url: str) -> str | None:
    parts = urlsplit(base_url)
    if parts.hostname not in LOCAL_HOSTS:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=3):
            return None
    except OSError as error:
        return (
            f"provider {name!r}: nothing answers at {base_url} ({error.strerror or error}); "
            "start the local model server first, or fix base_url"
        )


def bench_and_root_problems(section: RealWorldSection, sandbox: Sandbox) -> list[str]:
    try:
        setup = load_bench(section, sandbox)
    except UserError as error:
        return [f"benchmark {section.bench.name!r}: {error}"]
    first = setup.search[0]
    grade = setup.benchmark.grade(first, setup.benchmark.reference_diff(first))
    if not grade.resolved:
        detail = grade.error or grade.log_tail[-300:]
        return [
            f"benchmark {section.bench.name!r}: the reference solution of task {first.id} "
            f"fails its tests here ({detail.strip()}); is the toolchain installed? "
            "see `hgm doctor`"
        ]
    source = root_source(section)
    if isinstance(source, str) and not Path(source).exists() and "://" not in source:
        return [f"[world.agent] source {source!r} does not exist (a directory or git repository)"]
    return _root_contract_problems(section, sandbox)


def _root_contract_problems(section: RealWorldSection, sandbox: Sandbox) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="hgm-preflight-") as scratch:
        root = Path(scratch)
        try:
            archive = Archive.create(
                root / "agents.git", root_source(section), ref=section.agent.ref
            )
        except UserError as error:
            return [f"[world.agent]: {error}"]
        agent_dir = archive.checkout(0, root / "agent")
        with started_gateway(smoke_gateway_config(), root / "preflight.db", "preflight") as gw:
            validator = make_validator(section, sandbox, gw, "preflight")
            # the root's own files are its own: none is refused as added
            admission = validator.validate(agent_dir, root / "checks", "root", agent_dir)
    if admission.ok:
        return []
    return [f"the root agent breaks the agent contract: {admission.reason}"]


def preflight(section: RealWorldSection) -> list[str]:
    """Every problem found (see the module docstring); empty when the run can start."""
    problems = provider_problems(section)
    backend = check_backend(section.sandbox)
    if backend is not None:
        return [*problems, f"sandbox {section.sandbox.kind}: {backend}"]
    try:
        sandbox = make_sandbox(section.sandbox)
    except UserError as error:
        return [*problems, f"sandbox {section.sandbox.kind}: {error}"]
    return [*problems, *bench_and_root_problems(section, sandbox)]


def check_before_run(section: RealWorldSection) -> None:
    """Raise one UserError listing every problem (the CLI exits 2, nothing started)."""
    problems = preflight(section)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise UserError(f"the run cannot start:\n{listed}")
