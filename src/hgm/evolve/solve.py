"""One agent version on one benchmark task, end to end: the library behind `hgm solve`.

Starts a gateway for the chosen provider, runs the agent in the sandbox through it, grades,
and leaves `<out>/run.db` (the gateway's record of every LLM call) and
`<out>/artifacts/<job>/` (workspace, trajectory, record.json).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from hgm.bench.registry import make_benchmark
from hgm.bench.types import Benchmark, Task
from hgm.errors import UserError
from hgm.evolve.agent_dir import agent_package
from hgm.evolve.agent_task import AgentLimits
from hgm.evolve.build import started_gateway
from hgm.evolve.harness import Harness
from hgm.evolve.records import Evaluation
from hgm.llm.config import (
    DEFAULT_MAX_TOKENS,
    AnthropicProviderConfig,
    GatewayConfig,
    OpenAIProviderConfig,
    RoleModel,
    ScriptedProviderConfig,
)
from hgm.sandbox import SandboxConfig, make_sandbox

PROVIDERS = ("scripted", "openai", "anthropic")
SOLVE_RUN = "solve"


def solve_gateway_config(
    provider: str,
    model: str | None = None,
    script: Path | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    keyless: bool = False,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> GatewayConfig:
    """A gateway with one provider behind the `task` role, replies capped at `max_tokens`.

    `api_key_env` names the key's environment variable (None: the provider's usual one);
    `keyless` sends no key (a local server). Raises UserError for a missing script, model or
    key variable.
    """
    if provider not in PROVIDERS:
        raise UserError(f"--provider {provider!r} is not one of: {', '.join(PROVIDERS)}")
    if provider == "scripted":
        if script is None:
            raise UserError("--provider scripted needs --script FILE (a TOML or JSON script)")
        if not script.is_file():
            raise UserError(f"--script {script}: no such file")
        chosen: ScriptedProviderConfig | OpenAIProviderConfig | AnthropicProviderConfig = (
            ScriptedProviderConfig(script=script.resolve())
        )
        return _config(provider, chosen, model or "scripted", max_tokens)
    if script is not None:
        raise UserError(f"--script is only for --provider scripted (given: {provider})")
    if not model:
        raise UserError(f"--provider {provider} needs --model (the provider's model name)")
    kind = OpenAIProviderConfig if provider == "openai" else AnthropicProviderConfig
    fields: dict[str, str | None] = {}
    if base_url is not None:
        fields["base_url"] = base_url
    if keyless or api_key_env is not None:
        fields["api_key_env"] = None if keyless else api_key_env
    chosen = kind.model_validate(fields)
    if chosen.api_key_env is not None and not os.environ.get(chosen.api_key_env):
        raise UserError(
            f"--provider {provider}: environment variable {chosen.api_key_env} is not set; "
            'export it, name another with --api-key-env, or pass --api-key-env "" for a '
            "local server without keys"
        )
    return _config(provider, chosen, model, max_tokens)


def _config(
    provider: str,
    chosen: ScriptedProviderConfig | OpenAIProviderConfig | AnthropicProviderConfig,
    model: str,
    max_tokens: int,
) -> GatewayConfig:
    role = RoleModel(provider=provider, model=model, max_tokens=max_tokens)
    return GatewayConfig(providers={provider: chosen}, roles={"task": role})


def find_task(benchmark: Benchmark, task_id: str) -> Task:
    tasks = benchmark.tasks()
    for task in tasks:
        if task.id == task_id:
            return task
    shown = ", ".join(task.id for task in tasks[:12]) + (", ..." if len(tasks) > 12 else "")
    raise UserError(
        f"benchmark {benchmark.name!r} has no task {task_id!r}; its tasks: {shown or '(none)'}"
    )


def solve_task(
    agent_dir: Path,
    bench: str,
    task_id: str,
    gateway_config: GatewayConfig,
    out_dir: Path,
    limits: AgentLimits,
    sandbox_config: SandboxConfig,
    bench_path: Path | None = None,
) -> Evaluation:
    """Run `agent_dir` on one task through a fresh gateway and grade it."""
    agent_package(agent_dir)
    sandbox = make_sandbox(sandbox_config)
    benchmark = make_benchmark(bench, bench_path, sandbox)
    task = find_task(benchmark, task_id)
    job = f"solve-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    out_dir = out_dir.absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    with started_gateway(gateway_config, out_dir / "run.db", SOLVE_RUN) as gateway:
        harness = Harness(sandbox, gateway, SOLVE_RUN, limits)
        return harness.evaluate(
            agent_dir.absolute(),
            benchmark,
            task,
            out_dir / "artifacts" / job,
            agent=agent_dir.name or "agent",
            job=job,
        )
