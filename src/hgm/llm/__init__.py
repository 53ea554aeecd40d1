"""hgm.llm: the LLM gateway (OpenAI-compatible, on a Unix socket), providers, budgets, recording.

Relay scripts and sandboxes reach the gateway; provider keys never leave it.
"""

from hgm.llm.config import (
    ROLES,
    AnthropicProviderConfig,
    BudgetConfig,
    GatewayConfig,
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

__all__ = [
    "ROLES",
    "AgentLaunch",
    "AnthropicProviderConfig",
    "BudgetConfig",
    "CallRecord",
    "Gateway",
    "GatewayConfig",
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
