"""hgm.llm: the LLM gateway (OpenAI-compatible, on a Unix socket), providers, budgets, recording.

Names are imported on first use, so that reading a config does not load aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hgm.llm.config import (
        ROLES,
        AnthropicProviderConfig,
        BudgetConfig,
        GatewayConfig,
        GatewayLimits,
        ModelPrice,
        OpenAIProviderConfig,
        ReplayProviderConfig,
        RetryConfig,
        Role,
        RoleModel,
        ScriptedProviderConfig,
        ScriptMatch,
        ScriptReply,
        ScriptRule,
        ScriptToolCall,
        TcpListenerConfig,
    )
    from hgm.llm.gateway import Gateway
    from hgm.llm.launch import AgentLaunch, agent_launch
    from hgm.llm.ledger import JobLimits, JobUsage
    from hgm.llm.recording import CallRecord, calls_for_job

_CONFIG_NAMES = (
    "ROLES",
    "AnthropicProviderConfig",
    "BudgetConfig",
    "GatewayConfig",
    "GatewayLimits",
    "ModelPrice",
    "OpenAIProviderConfig",
    "ReplayProviderConfig",
    "RetryConfig",
    "Role",
    "RoleModel",
    "ScriptMatch",
    "ScriptReply",
    "ScriptRule",
    "ScriptToolCall",
    "ScriptedProviderConfig",
    "TcpListenerConfig",
)
_HOMES = {name: "hgm.llm.config" for name in _CONFIG_NAMES} | {
    "Gateway": "hgm.llm.gateway",
    "AgentLaunch": "hgm.llm.launch",
    "agent_launch": "hgm.llm.launch",
    "JobLimits": "hgm.llm.ledger",
    "JobUsage": "hgm.llm.ledger",
    "CallRecord": "hgm.llm.recording",
    "calls_for_job": "hgm.llm.recording",
}

__all__ = [
    "ROLES",
    "AgentLaunch",
    "AnthropicProviderConfig",
    "BudgetConfig",
    "CallRecord",
    "Gateway",
    "GatewayConfig",
    "GatewayLimits",
    "JobLimits",
    "JobUsage",
    "ModelPrice",
    "OpenAIProviderConfig",
    "ReplayProviderConfig",
    "RetryConfig",
    "Role",
    "RoleModel",
    "ScriptMatch",
    "ScriptReply",
    "ScriptRule",
    "ScriptToolCall",
    "ScriptedProviderConfig",
    "TcpListenerConfig",
    "agent_launch",
    "calls_for_job",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'hgm.llm' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
