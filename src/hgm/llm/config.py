"""Gateway configuration: providers (kind-tagged), model aliases per role, budgets, prices."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from hgm.errors import UserError, describe_validation_error

Role = Literal["task", "self_improve", "diagnose"]
ROLES: tuple[Role, ...] = ("task", "self_improve", "diagnose")
ToolProtocol = Literal["auto", "native", "text"]
DEFAULT_MAX_TOKENS = 4096


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelPrice(_Strict):
    """USD per million tokens. Prices change: check your provider's page."""

    input_per_m: float = Field(ge=0)
    output_per_m: float = Field(ge=0)


NO_KEY = ""  # api_key_env = "": a server without keys ("none" is read the same way)


def no_key(value: str | None) -> bool:
    """Whether an `api_key_env` value means "no key"."""
    return value is None or value.strip().lower() in ("", "none")


def _no_key_if_empty(value: str | None) -> str | None:
    return None if no_key(value) else value


KeyEnv = Annotated[str | None, AfterValidator(_no_key_if_empty)]


class OpenAIProviderConfig(_Strict):
    """OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp, OpenRouter).

    `api_key_env` names the environment variable holding the key; "" means no key
    (a local server). `hgm solve --api-key-env ""` spells it the same way."""

    kind: Literal["openai"] = "openai"
    base_url: str = "https://api.openai.com/v1"
    api_key_env: KeyEnv = "OPENAI_API_KEY"
    headers: dict[str, str] = Field(default_factory=dict)


class AnthropicProviderConfig(_Strict):
    """The Anthropic messages API, spoken over HTTP (no SDK)."""

    kind: Literal["anthropic"] = "anthropic"
    base_url: str = "https://api.anthropic.com"
    api_key_env: KeyEnv = "ANTHROPIC_API_KEY"
    anthropic_version: str = "2023-06-01"
    default_max_tokens: int = Field(default=4096, gt=0)


class ScriptReply(_Strict):
    """What the scripted model answers: text and/or tool calls (arguments may be a dict)."""

    content: str | None = None
    tool_calls: list[ScriptToolCall] = Field(default_factory=list)
    finish_reason: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> ScriptReply:
        if self.content is None and not self.tool_calls:
            raise ValueError("a reply needs `content` or `tool_calls`")
        return self


class ScriptToolCall(_Strict):
    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)


class ScriptMatch(_Strict):
    """Conditions (all must hold). Regexes use Python `re.search` with DOTALL."""

    last_user: str | None = None
    last_tool: str | None = None
    last_message: str | None = None
    system: str | None = None
    any_message: str | None = None
    tools: list[str] = Field(default_factory=list)
    turn: int | None = Field(default=None, ge=0)
    min_turn: int | None = Field(default=None, ge=0)
    max_turn: int | None = Field(default=None, ge=0)


class ScriptRule(_Strict):
    name: str | None = None
    when: ScriptMatch = Field(default_factory=ScriptMatch)
    reply: ScriptReply


class ScriptedProviderConfig(_Strict):
    """A deterministic rule-based model: the first matching rule answers."""

    kind: Literal["scripted"] = "scripted"
    script: Path | None = None
    rules: list[ScriptRule] = Field(default_factory=list)
    default_reply: ScriptReply | None = None
    price: ModelPrice = Field(default_factory=lambda: ModelPrice(input_per_m=0, output_per_m=0))


class ReplayProviderConfig(_Strict):
    """Serves responses recorded in a run database, by request fingerprint."""

    kind: Literal["replay"] = "replay"
    source: Path


ProviderConfig = Annotated[
    OpenAIProviderConfig | AnthropicProviderConfig | ScriptedProviderConfig | ReplayProviderConfig,
    Field(discriminator="kind"),
]


class RoleModel(_Strict):
    """The model behind one role alias (`task`, `self_improve`, `diagnose`).

    `max_tokens` caps every reply: the gateway sets each call's `max_tokens` (or lowers the
    agent's own, or its `max_completion_tokens`) to at most this, and the agent is told it.
    `tool_protocol`: how the agent calls tools: "native" (the API's tool calls), "text"
    (fenced blocks in the reply) or "auto" (decided by the pre-flight probe: native when the
    model answers a tool call when asked for one). `context_window` is the model's window in
    tokens, for servers that do not report it (llama.cpp, vLLM and Ollama do).
    """

    provider: str
    model: str
    price: ModelPrice | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=16, le=1_000_000)
    tool_protocol: ToolProtocol = "auto"
    context_window: int | None = Field(default=None, ge=512, le=100_000_000)


class BudgetConfig(_Strict):
    """Limits checked before a call is forwarded. None means unlimited."""

    run_usd: float | None = Field(default=None, ge=0)
    job_usd: float | None = Field(default=None, ge=0)
    job_tokens: int | None = Field(default=None, ge=0)
    job_calls: int | None = Field(default=None, ge=0)


class RetryConfig(_Strict):
    """Exponential backoff with full jitter on 429, 5xx, timeouts and connection errors."""

    attempts: int = Field(default=4, ge=1, le=20)
    base_delay_s: float = Field(default=0.5, ge=0)
    max_delay_s: float = Field(default=8.0, ge=0)


class TcpListenerConfig(_Strict):
    """An extra TCP listener for workers on other machines (bearer job tokens still required)."""

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)


class GatewayConfig(_Strict):
    providers: dict[str, ProviderConfig]
    roles: dict[Role, RoleModel]
    budgets: BudgetConfig = Field(default_factory=BudgetConfig)
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    timeout_s: float = Field(default=300.0, gt=0)
    tcp: TcpListenerConfig | None = None

    @model_validator(mode="after")
    def _roles_name_providers(self) -> GatewayConfig:
        for role, chosen in self.roles.items():
            if chosen.provider not in self.providers:
                known = ", ".join(sorted(self.providers)) or "(none)"
                raise ValueError(
                    f"roles.{role}.provider is {chosen.provider!r}; configured providers: {known}"
                )
        return self


ScriptReply.model_rebuild()


def parse_gateway_config(data: dict[str, Any], source: str) -> GatewayConfig:
    """Validate a gateway config; a problem is a UserError naming the field and what is allowed."""
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, source, data)) from error


def load_gateway_config(path: Path) -> GatewayConfig:
    """The gateway config in a TOML file: its top level, or a run config's `[llm]` or
    `[world.llm]` table."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML ({error})") from error
    world = data.get("world")
    nested = world.get("llm") if isinstance(world, dict) else None
    section = data.get("llm", nested if nested is not None else data)
    if not isinstance(section, dict):
        raise UserError(f"{path}: `llm` must be a table with providers and roles")
    return parse_gateway_config(section, str(path))
