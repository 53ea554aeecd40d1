"""The head's side of a real world's jobs on a cluster (a `hgm.distributed.remote.RemoteWork`).

prepare: the agent's git bundle (put in Ray's object store once per agent) and, for an
expansion, what to fix and what its diagnosis shows (from run.db and the archive).
attempt: the job's gateway tokens, opened here with the same limits as a local job.
finish: first the gateway's record of the attempt's last LLM call, as a local job reads
it: a provider or gateway failure there makes the job `Unfinished` (an
`InfrastructureFailure`: re-queued, uncharged); then the node's bounded artifacts unpacked
into `<run>/artifacts/<job>/` (the local layout, with the record's paths, token usage and
last call status made the head's), the child committed to the archive, the money the
gateway recorded for the job. The run database and archive are written only here, in the
hgm process.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ray

from hgm.bench.diffs import apply_diff
from hgm.distributed.artifacts import unpack
from hgm.distributed.node_cache import AgentBundle
from hgm.distributed.real_node import (
    EvaluationNodeJob,
    ExpansionNodeJob,
    NodeResult,
    RunSettings,
    SettledJob,
)
from hgm.distributed.remote import NodeInfo, NodeJob
from hgm.engine.jobs import Job
from hgm.engine.world import EvalOutcome, ExpandOutcome
from hgm.errors import InfrastructureFailure
from hgm.evolve.agent_dir import copy_agent
from hgm.evolve.build import SMOKE_RUN_SUFFIX
from hgm.evolve.diagnosis import Diagnosis, DiagnosisFailed, DiagnosisInput
from hgm.evolve.expansion import (
    ExpansionFailed,
    Improvement,
    commit_improvement,
    failed,
    plan_expansion,
    recovered,
)
from hgm.evolve.failures import with_gateway_status
from hgm.evolve.infrastructure import LastCall, call_failure, last_call
from hgm.evolve.versions import fresh_job_dir, job_cost
from hgm.evolve.world import RealWorld
from hgm.llm.config import Role
from hgm.llm.gateway import Gateway
from hgm.llm.gateway_errors import InvalidToken
from hgm.llm.ledger import JobLimits, JobUsage
from hgm.search.actions import Expand


@dataclass(slots=True)
class Prepared:
    """One job between the head's steps; `settled` when no node is needed."""

    job: Job
    key: str
    bundle: AgentBundle | None = None
    given: DiagnosisInput | None = None
    details: dict[str, Any] = field(default_factory=dict)
    settled: ExpandOutcome | None = None
    tokens: list[tuple[Gateway, str]] = field(default_factory=list)
    since: float = 0.0  # when the current attempt's tokens were opened (the head's clock)


class RealRemote:
    """See the module docstring. `gateway` and `smoke_gateway` are the run's gateways (with
    cluster listeners), `settings` what every node job carries."""

    def __init__(
        self, world: RealWorld, gateway: Gateway, smoke_gateway: Gateway, settings: RunSettings
    ) -> None:
        self.world = world
        self.context = world.context
        self.gateway = gateway
        self.smoke_gateway = smoke_gateway
        self.settings = settings
        self._bundles: dict[int, AgentBundle] = {}
        self._lock = threading.Lock()

    def tasks(self) -> list[str]:
        return self.world.tasks()

    def bundle(self, agent: int) -> AgentBundle:
        """The agent's bundle, put in the object store the first time it is asked for."""
        with self._lock:
            found = self._bundles.get(agent)
            if found is None:
                archive = self.context.archive
                found = AgentBundle(agent, archive.commit_of(agent), ray.put(archive.bundle(agent)))
                self._bundles[agent] = found
            return found

    # ---- RemoteWork -------------------------------------------------------------------------

    def prepare(self, job: Job) -> Prepared:
        action = job.action
        if not isinstance(action, Expand):
            return Prepared(job, f"eval-{action.agent}-{action.task}", self.bundle(action.agent))
        assert job.child is not None
        key = f"expand-{job.child}"
        settled = recovered(self.context, job.child)
        if settled is not None:
            return Prepared(job, key, settled=settled)
        job_dir = fresh_job_dir(self.context.artifacts, key)
        details: dict[str, Any] = {"job": key, "artifacts": str(job_dir)}
        try:
            given = plan_expansion(self.context, action.parent, job.child, details)
        except (ExpansionFailed, DiagnosisFailed) as error:
            return Prepared(job, key, settled=failed(self.context, job_dir, details, str(error), 0))
        return Prepared(job, key, self.bundle(action.parent), given, details)

    def attempt(self, prepared: Prepared, number: int) -> NodeJob:
        if prepared.settled is not None:
            return SettledJob()
        prepared.since = time.time()
        action, run, limits = prepared.job.action, self.context.run, self.context.limits
        assert prepared.bundle is not None
        key, agent = prepared.key, str(prepared.bundle.agent)
        if not isinstance(action, Expand):
            task = _open(prepared, self.gateway, run, agent, key, "task", limits.job_limits())
            return EvaluationNodeJob(
                self.settings, prepared.bundle, action.task, key, {(key, "task"): task}
            )
        child = prepared.job.child
        assert child is not None
        diagnose = _open(prepared, self.gateway, run, agent, key, "diagnose", None)
        improve = _open(
            prepared, self.gateway, run, agent, key, "self_improve", limits.job_limits()
        )
        smoke_key = f"smoke-{child}"
        smoke_run = run + SMOKE_RUN_SUFFIX
        smoke = _open(prepared, self.smoke_gateway, smoke_run, str(child), smoke_key, "task", None)
        assert prepared.given is not None
        return ExpansionNodeJob(
            self.settings,
            prepared.bundle,
            child,
            prepared.given,
            {(key, "diagnose"): diagnose, (key, "self_improve"): improve},
            {(smoke_key, "task"): smoke},
        )

    def release(self, prepared: Prepared) -> None:
        """Revoke the attempt's tokens (their calls are in run.db when this returns)."""
        tokens, prepared.tokens = prepared.tokens, []
        for gateway, token in tokens:
            with contextlib.suppress(InvalidToken):
                gateway.close_job(token)

    def finish(
        self, prepared: Prepared, result: NodeResult | None, node: NodeInfo
    ) -> ExpandOutcome | EvalOutcome:
        where = {"node": node.label, "attempt": node.attempt}
        if prepared.settled is not None:
            settled = prepared.settled
            return replace(settled, details={**settled.details, **where})
        assert result is not None
        call = checked_last_call(self.context.db_path, prepared.key, prepared.since, node)
        job_dir = fresh_job_dir(self.context.artifacts, prepared.key)
        unpack(result.artifacts, job_dir)
        details = {**prepared.details, **result.details, "artifacts": str(job_dir), **where}
        if result.left_out:
            details["artifacts_left_out"] = len(result.left_out)
        cost = job_cost(self.context.db_path, prepared.key)
        action = prepared.job.action
        if not isinstance(action, Expand):
            usage = self.gateway.job_usage(prepared.key)
            status = call.status if call is not None else None
            details["tokens"] = usage.tokens
            details["llm_last_status"] = status
            details["failure"] = with_gateway_status(
                details.get("failure"), status, str(details.get("kill_reason"))
            )
            _rehome_record(job_dir, result.node_job_dir, usage_dict(usage), status, node)
            return EvalOutcome(result.ok, cost, result.seconds, details)
        child = prepared.job.child
        assert child is not None and prepared.bundle is not None
        if not result.ok:
            return failed(self.context, job_dir, details, result.reason, result.seconds)
        child_dir = job_dir / "child"
        copy_agent(self.context.versions.directory(action.parent), child_dir)
        apply_diff(child_dir, result.diff)
        assert result.diagnosis is not None
        improvement = Improvement(
            child_dir, result.diff, Diagnosis.model_validate(result.diagnosis)
        )
        commit_improvement(self.context, action.parent, child, improvement, details["entry"])
        return ExpandOutcome(True, "", cost, result.seconds, details)


def checked_last_call(db_path: Path, job: str, since: float, node: NodeInfo) -> LastCall | None:
    """`job`'s last LLM call since `since` as the gateway recorded it; InfrastructureFailure
    when the provider or the gateway failed it (a node cannot tell: the record is here)."""
    call = last_call(db_path, job, since)
    failure = call_failure(call)
    if failure is not None:
        raise InfrastructureFailure(
            failure.component, f"job on node {node.label}: {failure.message}"
        )
    return call


def _open(
    prepared: Prepared,
    gateway: Gateway,
    run: str,
    agent: str,
    job: str,
    role: Role,
    limits: JobLimits | None,
) -> str:
    """A token for (run, agent, job, role), revoked by `RealRemote.release`."""
    token = gateway.open_job(run, agent, job, role, limits)
    prepared.tokens.append((gateway, token))
    return token


def usage_dict(usage: JobUsage) -> dict[str, Any]:
    return {
        "calls": usage.calls,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cost_usd": usage.cost_usd,
        "tokens": usage.tokens,
    }


def _rehome_record(
    job_dir: Path,
    node_job_dir: str,
    usage: dict[str, Any],
    last_status: str | None,
    node: NodeInfo,
) -> None:
    """record.json as the head would have written it: its paths under `job_dir`, the job's
    token usage and last call status as the gateway recorded them, and the node that ran it."""
    path = job_dir / "record.json"
    if not path.is_file():
        return
    record = json.loads(path.read_text())
    run = record.get("run", {})
    for name in ("job_dir", "repo_dir", "out_dir", "trajectory"):
        value = run.get(name)
        if isinstance(value, str) and value.startswith(node_job_dir):
            run[name] = str(job_dir) + value[len(node_job_dir) :]
    run["usage"] = usage
    run["llm_last_status"] = last_status
    record["node"] = {"label": node.label, "node_id": node.node_id, "attempt": node.attempt}
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
