"""Was a failed agent job the agent's fault, or did the infrastructure fail under it?

Decided from what hgm itself saw, never from the agent's own exit text: the gateway's record
of the job's last LLM call (the provider unreachable, 5xx or timeouts after retries,
401/403/404, the gateway failing), whether the gateway still serves, and whether the sandbox
still starts a trivial command. A problem found raises `InfrastructureFailure`: the engine
re-queues the job uncharged instead of recording the agent as failing.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgm.errors import InfrastructureFailure
from hgm.llm.gateway import Gateway
from hgm.llm.provider_errors import infrastructure_problem
from hgm.sandbox.types import Completed, KillReason, Limits, Sandbox, SandboxUnavailable

PROBE_LIMITS = Limits(wall_s=60.0, memory_mb=256, pids=16)


@dataclass(frozen=True, slots=True)
class LastCall:
    """The gateway's record of a job's last LLM call."""

    status: str
    error: dict[str, Any] | None
    provider: str
    model: str
    role: str


def last_call(db_path: Path, job: str, since: float) -> LastCall | None:
    """`job`'s last call made at or after `since` (None: it made none)."""
    if not db_path.exists():
        return None
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        row = connection.execute(
            "SELECT status, error_json, provider, model, role FROM llm_calls "
            "WHERE job = ? AND started_at >= ? ORDER BY id DESC LIMIT 1",
            (job, since),
        ).fetchone()
    except sqlite3.OperationalError:  # no llm_calls table: no call was ever recorded
        return None
    finally:
        connection.close()
    if row is None:
        return None
    status, error_json, provider, model, role = row
    return LastCall(status, json.loads(error_json) if error_json else None, provider, model, role)


def call_failure(call: LastCall | None) -> InfrastructureFailure | None:
    """The infrastructure failure behind a job's last call, if it was one."""
    if call is None:
        return None
    problem = infrastructure_problem(call.status, call.error)
    if problem is None:
        return None
    component = "gateway" if call.status == "gateway_error" else "provider"
    where = f"provider {call.provider!r} (role {call.role}, model {call.model})"
    return InfrastructureFailure(component, f"{where}: {problem}")


def gateway_failure(gateway: Gateway, call: LastCall | None) -> InfrastructureFailure | None:
    """The gateway died, or the job's last call failed for infrastructure reasons."""
    if not gateway.serving:
        return InfrastructureFailure("gateway", "the LLM gateway stopped serving")
    return call_failure(call)


def sandbox_failure(sandbox: Sandbox) -> InfrastructureFailure | None:
    """None when the sandbox still runs `true`; else what broke."""
    with tempfile.TemporaryDirectory(prefix="hgm-sandbox-probe-") as scratch:
        try:
            done = sandbox.run(["true"], Path(scratch), {}, PROBE_LIMITS)
        except SandboxUnavailable as error:
            return InfrastructureFailure("sandbox", f"{sandbox.kind}: {error}")
    if done.exit_code == 0:
        return None
    detail = (done.stderr_tail or done.stdout_tail).strip()[-300:]
    return InfrastructureFailure(
        "sandbox", f"{sandbox.kind} cannot start a command (exit {done.exit_code}: {detail})"
    )


def agent_died_unexplained(process: Completed, result: dict[str, object]) -> bool:
    """The agent ended without a result and without a limit killing it: worth asking
    whether the sandbox itself broke."""
    return process.exit_code != 0 and process.killed == KillReason.NONE and not result
