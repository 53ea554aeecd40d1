"""What a run knows about each role's model: reply cap, tool protocol, context window.

`configured_facts(config)` reads only the config. `discover(provider, model)` asks an
OpenAI-compatible server, for free (GET requests, no completion), which models it serves and
how large its context window is, where the server tells:

- llama.cpp server: `GET /props` -> `default_generation_settings.n_ctx` (the window it was
  started with, `-c`), and recent versions' `GET /v1/models` -> `data[].meta.n_ctx`;
- vLLM: `GET /v1/models` -> `data[].max_model_len`;
- Ollama: `POST /api/show {"model": ...}` -> `num_ctx` in `parameters` when the model sets it;
  otherwise Ollama serves the OpenAI endpoint with its default window (4096 tokens in recent
  releases, silently truncating longer prompts), which is what is reported.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from typing import Any

from hgm.llm.config import GatewayConfig, OpenAIProviderConfig, Role, ToolProtocol
from hgm.llm.providers.http import read_key

DISCOVERY_TIMEOUT_S = 5.0
OLLAMA_DEFAULT_WINDOW = 4096
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """One role's model as the run uses it.

    `tool_protocol` is "native" or "text" once decided (configured, or probed for "auto"),
    "auto" while undecided (the agent then decides by itself). `context_window` is None when
    neither the config nor the server says; `window_source` names where it came from.
    """

    role: Role
    provider: str
    model: str
    max_tokens: int
    tool_protocol: ToolProtocol
    context_window: int | None = None
    window_source: str = ""

    @property
    def served_by(self) -> tuple[str, str]:
        """(provider, model): roles with the same pair share one server's answers."""
        return self.provider, self.model

    def prompt_budget(self) -> int | None:
        """Tokens a prompt may take: the window minus the reply (None: unknown)."""
        if self.context_window is None:
            return None
        return self.context_window - self.max_tokens


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What an OpenAI-compatible server said about itself (None/empty: it did not say)."""

    models: tuple[str, ...] | None = None
    context_window: int | None = None
    window_source: str = ""


def configured_facts(config: GatewayConfig) -> dict[Role, ModelFacts]:
    """Each configured role's facts from the config alone (no server is asked)."""
    facts: dict[Role, ModelFacts] = {}
    for role, chosen in config.roles.items():
        facts[role] = ModelFacts(
            role=role,
            provider=chosen.provider,
            model=chosen.model,
            max_tokens=chosen.max_tokens,
            tool_protocol=chosen.tool_protocol,
            context_window=chosen.context_window,
            window_source="configured" if chosen.context_window else "",
        )
    return facts


def with_server(facts: ModelFacts, server: ServerFacts) -> ModelFacts:
    """`facts` completed with the server's window when the config gives none."""
    if facts.context_window is not None or server.context_window is None:
        return facts
    return replace(facts, context_window=server.context_window, window_source=server.window_source)


def _request(url: str, headers: dict[str, str], body: dict[str, Any] | None = None) -> Any:
    """Parsed JSON from one GET (or POST when `body`), or None for any failure."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers=headers | {"Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=DISCOVERY_TIMEOUT_S) as response:
            return json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _listing(parsed: Any, model: str) -> tuple[tuple[str, ...] | None, int | None, str]:
    """(model ids, window, source) from a `/v1/models` answer."""
    entries = parsed.get("data") if isinstance(parsed, dict) else None
    if not isinstance(entries, list):
        return None, None, ""
    ids: list[str] = []
    window, source = None, ""
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        names = [entry["id"], *(a for a in entry.get("aliases") or [] if isinstance(a, str))]
        ids += names
        if model in names or len(entries) == 1:
            if (found := _positive(entry.get("max_model_len"))) is not None:
                window, source = found, "vLLM /v1/models max_model_len"
            meta = entry.get("meta")
            if isinstance(meta, dict) and (found := _positive(meta.get("n_ctx"))) is not None:
                window, source = found, "llama.cpp /v1/models n_ctx"
    return tuple(dict.fromkeys(ids)), window, source


def _llama_cpp_window(root: str, headers: dict[str, str]) -> int | None:
    props = _request(f"{root}/props", headers)
    if not isinstance(props, dict):
        return None
    settings = props.get("default_generation_settings")
    found = _positive(settings.get("n_ctx")) if isinstance(settings, dict) else None
    return found or _positive(props.get("n_ctx"))


def _ollama_window(root: str, headers: dict[str, str], model: str) -> int | None:
    shown = _request(f"{root}/api/show", headers, {"model": model})
    if not isinstance(shown, dict) or "model_info" not in shown:
        return None
    match = _NUM_CTX.search(str(shown.get("parameters") or ""))
    if match:
        return int(match.group(1))
    info = shown.get("model_info")
    trained = [
        value
        for key, value in (info.items() if isinstance(info, dict) else ())
        if key.endswith(".context_length") and isinstance(value, int)
    ]
    return min([OLLAMA_DEFAULT_WINDOW, *trained])


def discover(name: str, provider: OpenAIProviderConfig, model: str) -> ServerFacts:
    """Ask the server behind `provider` what it serves and its window (see the docstring)."""
    headers = dict(provider.headers)
    key = read_key(provider.api_key_env, name)
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    base = provider.base_url.rstrip("/")
    root = base.removesuffix("/v1")
    models, window, source = _listing(_request(f"{base}/models", headers), model)
    if window is None and (found := _llama_cpp_window(root, headers)) is not None:
        window, source = found, "llama.cpp /props n_ctx"
    if window is None and (found := _ollama_window(root, headers, model)) is not None:
        window, source = found, "Ollama num_ctx"
    return ServerFacts(models, window, source)
