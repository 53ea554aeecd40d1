"""Diagnosis prompts that fit the model's window (largest parts cut first, and said so), a
refit after a real overflow answer, and provider failures that are not the agent's."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hgm.errors import InfrastructureFailure
from hgm.evolve.agent_dir import SEED_AGENT_DIR
from hgm.evolve.diagnosis import Diagnosis, DiagnosisInput, agent_source, build_messages, diagnose
from hgm.evolve.diagnosis_fit import TASK_SHARE, DiagnosisPrompt, fit_input, self_improve_task
from hgm.evolve.entries import Entry
from hgm.evolve.prompt_fit import CHARS_PER_TOKEN, cut_middle, fit_parts, shrink_factor
from hgm.llm import Gateway, GatewayConfig, calls_for_job

GOOD = json.dumps(
    {
        "log_summary": "it stopped early",
        "improvement_proposal": "add a planning step",
        "implementation_suggestion": "edit prompts.py",
        "problem_description": "The agent does not plan.",
    }
)
WINDOW, PROMPT_LIMIT_CHARS = 2048, 6000


def _given(**parts: str) -> DiagnosisInput:
    defaults = {
        "source": agent_source(SEED_AGENT_DIR, 60_000),
        "lineage": "",
        "instructions": "Write a function.",
        "trajectory": "[user] " + "step output\n" * 2000,
        "diff": "+x = 1\n",
        "tests": "resolved: False",
    }
    return DiagnosisInput(entry=Entry("failed_task", "it failed", task="T-1"), **defaults | parts)


def test_the_largest_parts_are_cut_first_to_a_common_size() -> None:
    parts = {"big": "b" * 10_000, "medium": "m" * 3_000, "small": "s" * 100}
    fitted, trimmed = fit_parts(parts, 4_000)
    assert fitted["small"] == parts["small"]
    assert sum(len(text) for text in fitted.values()) <= 4_000
    assert [item.part for item in trimmed] == ["big", "medium"]
    assert abs(len(fitted["big"]) - len(fitted["medium"])) <= 2
    assert "characters cut to fit the model's context window" in fitted["big"]
    assert fit_parts(parts, 20_000) == (parts, [])
    assert cut_middle("abc", 10) == "abc"


def test_a_diagnosis_prompt_fits_an_8k_window_and_says_what_was_cut() -> None:
    given = _given()
    assert fit_input(given, None) is given  # window unknown: unchanged
    budget = 8192 - 4096  # an 8k window minus the default reply
    fitted = fit_input(given, budget)
    text = "".join(message["content"] for message in build_messages(fitted))
    assert len(text) / CHARS_PER_TOKEN <= budget
    cut = {item.part for item in fitted.trimmed}
    assert {"the agent's source code", "the trajectory"} <= cut
    assert "the task's instructions" not in cut  # small parts stay whole
    assert "Note: to fit the model's context window, the middle of these parts was cut" in text
    assert "the agent's source code (" in text


def test_the_self_modification_task_fits_its_share_of_the_window() -> None:
    diagnosis = Diagnosis(
        log_summary="s",
        improvement_proposal="p",
        implementation_suggestion="Edit loop.py. " * 200,
        problem_description="The agent loses track of its plan. " * 1000,
    )
    whole, nothing = self_improve_task(diagnosis, None)
    assert nothing == [] and diagnosis.problem_description in whole
    text, trimmed = self_improve_task(diagnosis, 8192 - 4096)
    assert len(text) / CHARS_PER_TOKEN <= (8192 - 4096) * TASK_SHARE
    assert text.startswith("improve yourself:") and "Implementation suggestion:" in text
    assert trimmed[0].startswith("the problem statement (")


def test_shrinking_uses_the_sizes_an_overflow_states() -> None:
    assert shrink_factor({"prompt_tokens": 4000, "context_window": 2048}, 1800) < 0.45
    assert shrink_factor({"message": "too long"}, None) == pytest.approx(0.7)


class _Server:
    """An OpenAI-compatible server on 127.0.0.1 that refuses long prompts like llama.cpp."""

    def __init__(self) -> None:
        self.prompts: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                size = sum(len(m["content"]) for m in body["messages"])
                outer.prompts.append(size)
                if size > PROMPT_LIMIT_CHARS:
                    status, answer = (
                        400,
                        {
                            "error": {
                                "code": 400,
                                "type": "exceed_context_size_error",
                                "message": f"request ({size // 3} tokens) exceeds the available "
                                f"context size ({WINDOW} tokens), try increasing it",
                                "n_prompt_tokens": size // 3,
                                "n_ctx": WINDOW,
                            }
                        },
                    )
                else:
                    message = {"role": "assistant", "content": GOOD}
                    status, answer = (
                        200,
                        {
                            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": size // 3, "completion_tokens": 50},
                        },
                    )
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/v1"


def _gateway(base_url: str, db: Path) -> Gateway:
    config = GatewayConfig.model_validate(
        {
            "providers": {"local": {"kind": "openai", "base_url": base_url, "api_key_env": ""}},
            "roles": {"diagnose": {"provider": "local", "model": "m", "max_tokens": 256}},
            "retry": {"attempts": 1},
        }
    )
    socket_dir = Path(tempfile.mkdtemp(prefix="hgm-test-gw-", dir="/tmp"))
    return Gateway(config, socket_dir=socket_dir / "s", db_path=db, run="r").start()


@pytest.fixture
def server() -> Iterator[_Server]:
    fake = _Server()
    yield fake
    fake.http.shutdown()
    fake.http.server_close()


def test_an_overflow_answer_refits_the_prompt_and_asks_again(
    server: _Server, tmp_path: Path
) -> None:
    db = tmp_path / "run.db"
    gateway = _gateway(server.url, db)
    prompt = DiagnosisPrompt(_given(), None, 256)  # the window is not known beforehand
    try:
        diagnosis = diagnose(gateway, "r", "0", "expand-1", prompt.messages(), 3, prompt.refit)
    finally:
        gateway.stop()
        shutil.rmtree(gateway.socket_dir.parent, ignore_errors=True)
    assert diagnosis.problem_description == "The agent does not plan."
    statuses = [call.status for call in calls_for_job(db, "expand-1")]
    assert statuses[0] == "context_length_exceeded" and statuses[-1] == "ok"
    assert server.prompts[-1] <= PROMPT_LIMIT_CHARS < server.prompts[0]
    assert "the agent's source code" in " ".join(prompt.trimmed())


def test_a_dead_provider_is_an_infrastructure_failure(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = _gateway(f"http://127.0.0.1:{port}/v1", tmp_path / "run.db")
    try:
        with pytest.raises(InfrastructureFailure) as raised:
            diagnose(gateway, "r", "0", "expand-2", build_messages(_given()), 3)
    finally:
        gateway.stop()
        shutil.rmtree(gateway.socket_dir.parent, ignore_errors=True)
    assert raised.value.component == "provider"
    assert "cannot reach" in raised.value.message
