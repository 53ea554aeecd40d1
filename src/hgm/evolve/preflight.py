"""Before a real run spends anything: is everything it needs here and working?

`preflight(section)` returns the problems found, each saying what is wrong and how to fix
it (empty: go). Checked: every provider's key variable, then each role's model
(`hgm.llm.preflight`: the model name against the server's list, the context window, one
tiny chat call, the tool-call probe; a few tokens per role), the sandbox backend, the
benchmark and its toolchain (the first search task's reference solution must pass its
hidden tests), and the root agent's contract (it compiles, its unit tests pass, a smoke run
against a free scripted model works). `hgm resume` checks the providers and the sandbox
backend again (`check_before_resume`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hgm.archive import Archive
from hgm.errors import InfrastructureFailure, UserError
from hgm.evolve.build import load_bench, make_validator, root_source, started_gateway
from hgm.evolve.validation import smoke_gateway_config
from hgm.llm.config import Role
from hgm.llm.model_facts import ModelFacts
from hgm.llm.preflight import check_models, problems, resolved_facts
from hgm.runconfig.real_world import RealWorldSection
from hgm.sandbox import Sandbox, check_backend, make_sandbox

Facts = dict[Role, ModelFacts]


def key_problems(section: RealWorldSection) -> list[str]:
    found = []
    for name, provider in sorted(section.llm.providers.items() if section.llm else ()):
        key_env = getattr(provider, "api_key_env", None)
        if key_env and not os.environ.get(key_env):
            found.append(
                f"provider {name!r}: the environment variable {key_env} is not set; "
                f"export {key_env}=... (the key stays in the hgm process), or set "
                f'api_key_env = "" for a server that needs no key'
            )
    return found


def check_providers(section: RealWorldSection) -> tuple[list[str], Facts | None]:
    """(problems, each role's model facts) for [world.llm]; nothing for the quick start."""
    if section.llm is None:
        return [], None
    missing = key_problems(section)
    if missing:
        return missing, None
    checks = check_models(section.llm)
    return problems(checks), resolved_facts(checks)


def provider_problems(section: RealWorldSection) -> list[str]:
    return check_providers(section)[0]


def bench_and_root_problems(section: RealWorldSection, sandbox: Sandbox) -> list[str]:
    try:
        setup = load_bench(section, sandbox)
    except UserError as error:
        return [f"benchmark {section.bench.name!r}: {error}"]
    first = setup.search[0]
    try:
        grade = setup.benchmark.grade(first, setup.benchmark.reference_diff(first))
    except InfrastructureFailure as failure:
        return [f"benchmark {section.bench.name!r}: {failure}; see `hgm doctor`"]
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


def _sandbox(section: RealWorldSection) -> tuple[Sandbox | None, str]:
    backend = check_backend(section.sandbox)
    if backend is not None:
        return None, f"sandbox {section.sandbox.kind}: {backend}"
    try:
        return make_sandbox(section.sandbox), ""
    except UserError as error:
        return None, f"sandbox {section.sandbox.kind}: {error}"


def run_preflight(section: RealWorldSection) -> tuple[list[str], Facts | None]:
    """Every problem found (see the module docstring) and the models' facts."""
    found, facts = check_providers(section)
    sandbox, problem = _sandbox(section)
    if sandbox is None:
        return [*found, problem], facts
    return [*found, *bench_and_root_problems(section, sandbox)], facts


def preflight(section: RealWorldSection) -> list[str]:
    """Every problem found (see the module docstring); empty when the run can start."""
    return run_preflight(section)[0]


def _refuse(what: str, found: list[str]) -> None:
    if found:
        listed = "\n".join(f"  - {problem}" for problem in found)
        raise UserError(f"{what}:\n{listed}")


def check_before_run(section: RealWorldSection) -> Facts | None:
    """The models' facts, or one UserError listing every problem (the CLI exits 2, nothing
    started)."""
    found, facts = run_preflight(section)
    _refuse("the run cannot start", found)
    return facts


def check_before_resume(section: RealWorldSection) -> Facts | None:
    """Providers and sandbox again before a resume spends anything (the benchmark and the
    root agent were checked when the run started)."""
    found, facts = check_providers(section)
    _, problem = _sandbox(section)
    _refuse("the run cannot continue", [*found, *([problem] if problem else [])])
    return facts
