"""Diagnose: ONE call to the `diagnose` model (host side, through the gateway, attributed to
the expansion job) that turns what went wrong into an issue-style problem statement.

The model sees the agent's source (AGENT.md first, size-capped), its lineage diffs, the
task's instructions, the evaluation's trajectory (the gateway's record), the agent's diff
and the hidden test results. When the model's context window is known, those parts are fit
into it minus the reply (`fit_input`: the largest cut first, and the prompt says what was
cut, see `hgm.evolve.diagnosis_fit`); a context overflow anyway refits smaller and asks
again. The answer must be one JSON
object (`Diagnosis`); a bad answer is sent back with what was wrong, a bounded number of
times. A provider or gateway failure raises `InfrastructureFailure` (not the agent's fault).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hgm.errors import InfrastructureFailure
from hgm.evolve import diagnosis_prompt as prompt
from hgm.evolve.entries import Entry, PastEvaluation
from hgm.evolve.prompt_fit import Trimmed
from hgm.llm.gateway import Gateway
from hgm.llm.probe import post_chat
from hgm.llm.provider_errors import infrastructure_problem
from hgm.llm.recording import CallRecord

SOURCE_SUFFIXES = (".py", ".md", ".toml", ".txt", ".cfg", ".json")
_MESSAGE_CHARS = 3000
_FENCE = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.DOTALL)


class Diagnosis(BaseModel):
    """The diagnose model's answer (unknown extra keys are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    log_summary: str
    potential_improvements: list[str] = Field(default_factory=list)
    improvement_proposal: str = Field(min_length=1)
    implementation_suggestion: str
    problem_description: str = Field(min_length=1)


class DiagnosisFailed(Exception):
    """No usable answer after every attempt (or the gateway refused): the expansion fails."""


@dataclass(frozen=True, slots=True)
class DiagnosisInput:
    """Everything the diagnosis shows the model, already rendered as text."""

    entry: Entry
    source: str
    lineage: str
    instructions: str
    trajectory: str
    diff: str
    tests: str
    trimmed: tuple[Trimmed, ...] = ()


def _cap(text: str, limit: int) -> str:
    """`text` cut in the middle to at most about `limit` characters."""
    if len(text) <= limit:
        return text
    half = max(0, limit // 2 - 40)
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


def agent_source(agent_dir: Path, limit: int) -> str:
    """AGENT.md, then every source file (tests last), each under a header; capped."""
    files = sorted(
        (p for p in agent_dir.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES),
        key=lambda p: (p.name != "AGENT.md", "tests" in p.relative_to(agent_dir).parts, str(p)),
    )
    parts: list[str] = []
    used = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        block = f"--- {path.relative_to(agent_dir)} ---\n{text}\n"
        if used + len(block) > limit:
            parts.append(f"--- {path.relative_to(agent_dir)} --- (not shown: size cap)\n")
            continue
        parts.append(block)
        used += len(block)
    return "".join(parts)


def trajectory_text(calls: list[CallRecord], limit: int) -> str:
    """The conversation of a job's last call plus its answer, as readable text; capped."""
    if not calls:
        return "(no LLM calls recorded)"
    last = calls[-1]
    lines: list[str] = []
    for message in last.request.get("messages", []):
        lines.append(f"[{message.get('role')}] {_message_text(message)}")
    if last.response is not None:
        answer = last.response.get("choices", [{}])[0].get("message", {})
        lines.append(f"[assistant] {_message_text(answer)}")
    elif last.error is not None:
        lines.append(f"[gateway error] {json.dumps(last.error)[:_MESSAGE_CHARS]}")
    lines.append(f"({len(calls)} LLM calls in this job)")
    return _cap("\n".join(lines), limit)


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    text = _cap(str(content or ""), _MESSAGE_CHARS)
    for call in message.get("tool_calls") or []:
        function = call.get("function", {})
        arguments = _cap(str(function.get("arguments", "")), _MESSAGE_CHARS)
        text += f"\n  -> tool {function.get('name')}({arguments})"
    return text


def evaluation_texts(evaluation: PastEvaluation | None, limit: int) -> tuple[str, str]:
    """(the agent's diff, the hidden test results) from the evaluation's record.json."""
    if evaluation is None:
        return "(not evaluated yet)", "(not evaluated yet)"
    artifacts = evaluation.details.get("artifacts")
    record_path = Path(artifacts) / "record.json" if isinstance(artifacts, str) else None
    if record_path is None or not record_path.is_file():
        return "(no record of this evaluation)", "(no record of this evaluation)"
    record = json.loads(record_path.read_text())
    diff = record.get("run", {}).get("diff") or "(empty diff: no file was changed)"
    grade = record.get("grade", {})
    tests = [
        f"{t['name']}: {'passed' if t['passed'] else 'FAILED'}" for t in grade.get("tests", [])
    ]
    summary = [
        f"resolved: {grade.get('resolved')}",
        *tests,
        f"error: {grade.get('error') or '-'}",
        "test log (tail):",
        grade.get("log_tail", ""),
    ]
    return _cap(diff, limit), _cap("\n".join(summary), limit)


def build_messages(given: DiagnosisInput) -> list[dict[str, str]]:
    entry = given.entry
    note = (
        [
            "Note: to fit the model's context window, the middle of these parts was cut: "
            + "; ".join(item.describe() for item in given.trimmed)
            + ".",
        ]
        if given.trimmed
        else []
    )
    sections = [
        f"ENTRY: {entry.kind}",
        f"TASK ID: {entry.task or '-'}",
        "",
        prompt.ENTRY_QUESTIONS[entry.kind],
        f"Why this was chosen: {entry.reason}",
        *note,
        "",
        "# The agent's source code",
        given.source,
        "# How the agent changed so far (lineage diffs, newest first)",
        given.lineage or "(this is the original agent)",
        "# The task's instructions",
        given.instructions or "(no single task)",
        "# The agent's trajectory on it",
        given.trajectory,
        "# The agent's diff",
        given.diff,
        "# Hidden test results",
        given.tests,
        "",
        prompt.ANSWER_FORMAT,
    ]
    return [
        {"role": "system", "content": prompt.SYSTEM},
        {"role": "user", "content": "\n".join(sections)},
    ]


def parse_answer(text: str) -> Diagnosis:
    """The Diagnosis in a model answer; ValueError saying what is wrong otherwise."""
    fenced = _FENCE.search(text)
    start, end = text.find("{"), text.rfind("}")
    if fenced is None and start < 0:
        raise ValueError("no JSON object found")
    candidate = fenced.group(1) if fenced else text[start : end + 1 if end > start else None]
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise ValueError("the JSON is not an object")
    try:
        return Diagnosis.model_validate(data)
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, e["loc"])) or "(top)" for e in error.errors())
        raise ValueError(f"missing or invalid keys: {fields}") from None


Refit = Callable[[dict[str, Any]], list[dict[str, str]]]


def _call(gateway: Gateway, token: str, conversation: list[dict[str, str]]) -> tuple[int, Any]:
    try:
        return post_chat(
            gateway.socket_path,
            token,
            {"model": "diagnose", "messages": conversation},
            gateway.config.timeout_s * 2,
        )
    except OSError as error:  # the gateway itself is gone
        raise InfrastructureFailure("gateway", f"the LLM gateway did not answer: {error}") from None


def _failed(status: int, body: Any) -> Exception:
    error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
    detail = error.get("message", body) if isinstance(error, dict) else body
    problem = infrastructure_problem(str(error.get("type", "")), error) if error else None
    if problem is not None:
        component = "gateway" if error.get("type") == "gateway_error" else "provider"
        return InfrastructureFailure(component, f"the diagnose call failed: {problem}")
    return DiagnosisFailed(f"diagnose call failed (HTTP {status}): {detail}")


def diagnose(
    gateway: Gateway,
    run: str,
    agent: str,
    job: str,
    messages: list[dict[str, str]],
    attempts: int,
    refit: Refit | None = None,
) -> Diagnosis:
    """Ask the `diagnose` role, retrying bad answers up to `attempts` calls in total.

    `refit(error)` gives smaller messages after a `context_length_exceeded` answer (its
    error object may state the sizes); without it an overflow fails the diagnosis."""
    token = gateway.open_job(run, agent, job, "diagnose")
    conversation = list(messages)
    problem = ""
    try:
        for _ in range(attempts):
            status, body = _call(gateway, token, conversation)
            error = body.get("error") if isinstance(body, dict) else None
            overflow = isinstance(error, dict) and error.get("type") == "context_length_exceeded"
            if overflow and refit is not None:
                assert isinstance(error, dict)
                conversation, problem = refit(error), "the prompt did not fit the context window"
                continue
            if status != 200:
                raise _failed(status, body)
            answer = str(body["choices"][0]["message"].get("content") or "")
            try:
                return parse_answer(answer)
            except ValueError as error:
                problem = str(error)
                conversation += [
                    {"role": "assistant", "content": answer},
                    {"role": "user", "content": prompt.RETRY.format(problem=problem)},
                ]
    finally:
        gateway.close_job(token)
    raise DiagnosisFailed(f"no usable diagnosis after {attempts} attempts ({problem})")
