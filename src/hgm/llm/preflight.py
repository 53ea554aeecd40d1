"""Prove each role's model works before a run spends anything (`hgm llm check`, `hgm run`,
`hgm resume`).

Per role, cheapest first, stopping at the first problem:
1. free: the model name against the server's `/v1/models` (when it lists models), and the
   context window read from the server (see `hgm.llm.model_facts`) or the config, which must
   hold the role's `max_tokens` reply plus a prompt of at least MIN_PROMPT_TOKENS;
2. one tiny chat call through a real gateway (a throw-away database): the server must answer
   OpenAI chat completions;
3. for the agent roles (`task`, `self_improve`), unless `tool_protocol = "text"`: one call
   that asks for a tool call. A model that answers in text instead (its chat template
   dropped the tools) or a server that refuses `tools` gets the text protocol under "auto";
   under "native" that is a problem.
Each problem is one message saying what is wrong and how to fix it.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hgm.llm.config import GatewayConfig, OpenAIProviderConfig, Role
from hgm.llm.gateway import Gateway
from hgm.llm.ledger import JobLimits
from hgm.llm.model_facts import ModelFacts, ServerFacts, configured_facts, discover, with_server
from hgm.llm.probe import post_chat

MIN_PROMPT_TOKENS = 2048
AGENT_ROLES: tuple[Role, ...] = ("task", "self_improve")
CHAT_MESSAGE = "Reply with the single word OK."
TOOL_MESSAGE = (
    'Call the tool `report` with the argument status = "ok". Answer only with the tool call.'
)
REPORT_TOOL = {
    "type": "function",
    "function": {
        "name": "report",
        "description": "Report a status word.",
        "parameters": {
            "type": "object",
            "properties": {"status": {"type": "string"}},
            "required": ["status"],
        },
    },
}
# replay answers only recorded requests; a scripted model's tool calls are its script's
NOT_PROBED_KINDS = ("replay",)
NO_TOOL_PROBE_KINDS = ("scripted", "replay")


@dataclass(frozen=True, slots=True)
class RoleCheck:
    """One role's pre-flight result. `tools`: "native", "ignored" (text replies while tools
    were offered), "refused" (the server rejected `tools`) or "not probed"."""

    facts: ModelFacts
    problem: str = ""
    status: int = 0
    latency_s: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    answer: str = ""
    tools: str = "not probed"
    served: tuple[str, ...] | None = field(default=None)

    @property
    def ok(self) -> bool:
        return not self.problem


def _listing_problem(facts: ModelFacts, base_url: str, server: ServerFacts) -> str:
    if server.models is None or facts.model in server.models:
        return ""
    shown = ", ".join(repr(name) for name in server.models[:10]) or "(none)"
    return (
        f"the server at {base_url} does not serve model {facts.model!r}; it serves: {shown}. "
        "Set `model` to one of them"
    )


def _window_problem(facts: ModelFacts, configured: int | None, server: ServerFacts) -> str:
    served = server.context_window
    if configured is not None and served is not None and configured > served:
        return (
            f"context_window = {configured} is configured, but the server serves a window "
            f"of {served} tokens ({server.window_source}): lower context_window or start the "
            "server with a larger window"
        )
    window = facts.context_window
    if window is None or window >= facts.max_tokens + MIN_PROMPT_TOKENS:
        return ""
    fix = (
        f"lower `max_tokens` to at most {window - MIN_PROMPT_TOKENS}, or "
        if window - MIN_PROMPT_TOKENS >= 16
        else ""
    )
    return (
        f"the context window is {window} tokens ({facts.window_source}): too small for replies "
        f"of max_tokens = {facts.max_tokens} plus a prompt of at least {MIN_PROMPT_TOKENS} "
        f"tokens; {fix}serve the model with a larger window (llama.cpp: --ctx-size N, vLLM: "
        "--max-model-len N, Ollama: num_ctx)"
    )


def _error(body: Any) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {"message": str(body)[:300]}


def _chat_problem(status: int, body: Any, base_url: str | None) -> str:
    error = _error(body)
    message = " ".join(str(error.get("message", "")).split())[:240]
    upstream = error.get("upstream_status")
    where = base_url or "the provider"
    if upstream in (404, 405, 501) or "malformed completion" in message:
        return (
            f"{where} does not answer OpenAI chat completions (HTTP {upstream or status}: "
            f"{message}); `base_url` must be the server's OpenAI-compatible endpoint, which "
            "usually ends in /v1"
        )
    if upstream in (401, 403):
        return f"{where} refused the key (HTTP {upstream}): check `api_key_env` ({message})"
    if message.startswith("cannot reach") or "no answer from" in message:
        return f"{message}; start the model server, or fix `base_url`"
    return f"the chat call failed (HTTP {status}): {message}"


@dataclass
class _Probe:
    """One role's probe calls: a job on the throw-away gateway."""

    gateway: Gateway
    role: Role
    token: str = ""

    def __post_init__(self) -> None:
        self.token = self.gateway.open_job(
            "preflight", "preflight", f"preflight-{self.role}", self.role, JobLimits(calls=4)
        )

    def call(self, body: dict[str, Any]) -> tuple[int, Any]:
        return post_chat(
            self.gateway.socket_path,
            self.token,
            {"model": self.role, **body},
            self.gateway.config.timeout_s * 2,
        )


def _tools(probe: _Probe) -> tuple[str, str]:
    """(tools verdict, problem) of one tool-call probe."""
    status, body = probe.call(
        {
            "messages": [{"role": "user", "content": TOOL_MESSAGE}],
            "tools": [REPORT_TOOL],
            "tool_choice": "auto",
            "temperature": 0,
            "max_tokens": 64,
        }
    )
    if status == 200:
        message = body["choices"][0]["message"]
        return ("native" if message.get("tool_calls") else "ignored"), ""
    upstream = _error(body).get("upstream_status")
    if status == 400 or upstream in (400, 422):
        return "refused", ""
    return "not probed", f"the tool-call probe failed (HTTP {status}): {_error(body)['message']}"


def _free_check(config: GatewayConfig, facts: ModelFacts, server: ServerFacts) -> RoleCheck:
    """What can be found without a completion: the model list and the window."""
    chosen = config.roles[facts.role]
    provider = config.providers[chosen.provider]
    base_url = provider.base_url if isinstance(provider, OpenAIProviderConfig) else ""
    found = with_server(facts, server)
    problem = _listing_problem(found, base_url, server) or _window_problem(
        found, chosen.context_window, server
    )
    return RoleCheck(found, problem, served=server.models)


def _check(gateway: Gateway, free: RoleCheck, broken: dict[tuple[str, str], str]) -> RoleCheck:
    """One role's paid probes after its free check; `broken` holds chat failures of
    (provider, model) seen so far, so that a dead server is not called again for each role."""
    config, facts, found = gateway.config, free.facts, free.facts
    chosen = config.roles[facts.role]
    provider = config.providers[chosen.provider]
    base_url = provider.base_url if isinstance(provider, OpenAIProviderConfig) else None
    problem = broken.get((facts.provider, facts.model), "")
    if problem or provider.kind in NOT_PROBED_KINDS:
        return replace(free, problem=problem)
    probe = _Probe(gateway, facts.role)
    started = time.perf_counter()
    try:
        status, body = probe.call(
            {"messages": [{"role": "user", "content": CHAT_MESSAGE}], "max_tokens": 16}
        )
        latency = time.perf_counter() - started
        answer, tools = "", "not probed"
        if status != 200:
            problem = _chat_problem(status, body, base_url)
            if status >= 500:  # the server, not this role's request
                broken[facts.provider, facts.model] = problem
        else:
            answer = str(body["choices"][0]["message"].get("content") or "(tool call)")[:80]
            probe_tools = provider.kind not in NO_TOOL_PROBE_KINDS
            if probe_tools and facts.role in AGENT_ROLES and chosen.tool_protocol != "text":
                tools, problem = _tools(probe)
                if tools in ("ignored", "refused"):
                    if chosen.tool_protocol == "native":
                        problem = (
                            f"tool_protocol is native but the model {tools} the tool definitions "
                            "(it answered in text): serve it with a chat template that has tool "
                            'calls (llama.cpp: --jinja), or set tool_protocol = "auto" or "text"'
                        )
                    found = replace(found, tool_protocol="text")
                elif tools == "native":
                    found = replace(found, tool_protocol="native")
    finally:
        usage = gateway.close_job(probe.token)
    return RoleCheck(
        found,
        problem,
        status,
        latency,
        usage.input_tokens,
        usage.output_tokens,
        usage.cost_usd,
        answer,
        tools,
        free.served,
    )


def check_models(config: GatewayConfig, roles: list[Role] | None = None) -> list[RoleCheck]:
    """Every chosen role's check (default: every configured role); costs a few tokens each,
    and nothing at all when a free check (model list, window) already found a problem."""
    chosen = roles or sorted(config.roles)
    facts = configured_facts(config)
    servers: dict[tuple[str, str], ServerFacts] = {}
    for role in chosen:
        name, model = facts[role].provider, facts[role].model
        provider = config.providers[name]
        if (name, model) not in servers and isinstance(provider, OpenAIProviderConfig):
            servers[name, model] = discover(name, provider, model)
    free = [
        _free_check(
            config,
            facts[role],
            servers.get((facts[role].provider, facts[role].model), ServerFacts()),
        )
        for role in chosen
    ]
    if any(not check.ok for check in free):
        return free
    with tempfile.TemporaryDirectory(prefix="hgm-preflight-", dir="/tmp") as scratch:
        root = Path(scratch)
        db = root / "preflight.db"
        broken: dict[tuple[str, str], str] = {}
        with Gateway(config, socket_dir=root / "gw", db_path=db, run="preflight") as gateway:
            return [_check(gateway, check, broken) for check in free]


def problems(checks: list[RoleCheck]) -> list[str]:
    """One message per distinct problem, naming every role that has it."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for check in checks:
        if check.problem:
            key = (check.facts.provider, check.facts.model, check.problem)
            grouped.setdefault(key, []).append(check.facts.role)
    return [
        f"{'roles' if len(roles) > 1 else 'role'} {', '.join(roles)} (provider {provider!r}, "
        f"model {model!r}): {problem}"
        for (provider, model, problem), roles in grouped.items()
    ]


def resolved_facts(checks: list[RoleCheck]) -> dict[Role, ModelFacts]:
    return {check.facts.role: check.facts for check in checks}
