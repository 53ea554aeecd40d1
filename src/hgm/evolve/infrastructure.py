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
from pathlib import Path

from hgm.errors import InfrastructureFailure
from hgm.llm.gateway import Gateway
from hgm.llm.provider_errors import infrastructure_problem
from hgm.sandbox.types import Completed, KillReason, Limits, Sandbox, SandboxUnavailable

PROBE_LIMITS = Limits(wall_s=60.0, memory_mb=256, pids=16)


def last_call_failure(db_path: Path, job: str, since: float) -> InfrastructureFailure | None:
    """The infrastructure failure behind `job`'s last call made at or after `since`, if any."""
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
    error = json.loads(error_json) if error_json else None
    problem = infrastructure_problem(status, error)
    if problem is None:
        return None
    component = "gateway" if status == "gateway_error" else "provider"
    return InfrastructureFailure(
        component, f"provider {provider!r} (role {role}, model {model}): {problem}"
    )


def gateway_failure(gateway: Gateway, job: str, since: float) -> InfrastructureFailure | None:
    """The gateway died, or the job's last call failed for infrastructure reasons."""
    if not gateway.serving:
        return InfrastructureFailure("gateway", "the LLM gateway stopped serving")
    return last_call_failure(gateway.db_path, job, since)


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
