"""Provider failures as the gateway classifies them: context overflows in every server's shape,
infrastructure failures, the role's reply cap, and calls cancelled in flight."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway, call, chat, openai_config, openai_reply

from hgm.llm import calls_for_job
from hgm.llm.dispatch import cap_reply_tokens
from hgm.llm.provider_errors import infrastructure_problem, is_context_overflow, overflow_sizes

LLAMA_CPP = {
    "error": {
        "code": 400,
        "message": "request (3031 tokens) exceeds the available context size (2048 tokens), "
        "try increasing it",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 3031,
        "n_ctx": 2048,
    }
}
LLAMA_CPP_OLD = {
    "error": {
        "code": 400,
        "message": "the request exceeds the available context size, try increasing the "
        "context size or enable context shift",
        "type": "invalid_request_error",
    }
}
VLLM_TOP_LEVEL = {
    "object": "error",
    "message": "This model's maximum context length is 4096 tokens. However, you requested "
    "5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of "
    "the messages or completion.",
    "type": "BadRequestError",
    "param": None,
    "code": 400,
}
VLLM_NESTED = {"error": {k: v for k, v in VLLM_TOP_LEVEL.items() if k != "object"}}
OLLAMA = {"error": "the input length exceeds the context length"}
OPENAI = {
    "error": {
        "message": "This model's maximum context length is 8192 tokens. However, your messages "
        "resulted in 9000 tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
}
ANTHROPIC = {
    "type": "error",
    "error": {
        "type": "invalid_request_error",
        "message": "prompt is too long: 208000 tokens > 200000 maximum",
    },
}


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-fake")


@pytest.mark.parametrize(
    ("answer", "sizes"),
    [
        (LLAMA_CPP, {"prompt_tokens": 3031, "context_window": 2048}),
        (LLAMA_CPP_OLD, {}),
        (VLLM_TOP_LEVEL, {"prompt_tokens": 5000, "context_window": 4096}),
        (VLLM_NESTED, {"prompt_tokens": 5000, "context_window": 4096}),
        (OLLAMA, {}),
        (OPENAI, {"prompt_tokens": 9000, "context_window": 8192}),
        (ANTHROPIC, {"prompt_tokens": 208000, "context_window": 200000}),
    ],
    ids=["llama.cpp", "llama.cpp-old", "vllm", "vllm-nested", "ollama", "openai", "anthropic"],
)
def test_every_server_shape_of_a_context_overflow_is_recognised(
    answer: dict[str, Any], sizes: dict[str, int]
) -> None:
    assert is_context_overflow(answer)
    assert overflow_sizes(answer) == sizes


def test_other_refusals_are_not_context_overflows() -> None:
    assert not is_context_overflow({"error": {"message": "model not found", "type": "x"}})
    assert not is_context_overflow("<html>501 Not Implemented</html>")


@pytest.mark.parametrize(
    "answer", [LLAMA_CPP, VLLM_TOP_LEVEL, OLLAMA], ids=["llama.cpp", "vllm", "ollama"]
)
def test_the_gateway_turns_them_into_context_length_exceeded(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path, answer: dict[str, Any]
) -> None:
    upstream.responses.append((400, answer))
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    status, body = call(gateway.socket_path, token, chat())
    assert (status, body["error"]["type"]) == (400, "context_length_exceeded")
    gateway.close_job(token)
    [record] = calls_for_job(short_dir / "run.db", "j")
    assert record.status == "context_length_exceeded"
    assert len(upstream.requests) == 1  # not retried


def test_an_overflow_sent_as_a_5xx_is_not_retried_as_a_server_fault(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    upstream.responses.append((500, OLLAMA))
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    _, body = call(gateway.socket_path, token, chat())
    assert body["error"]["type"] == "context_length_exceeded" and len(upstream.requests) == 1


@pytest.mark.parametrize(
    ("status", "error", "infrastructure"),
    [
        ("provider_error", {"message": "cannot reach x", "upstream_status": None}, True),
        ("provider_error", {"message": "HTTP 503", "upstream_status": 503}, True),
        ("provider_error", {"message": "HTTP 429", "upstream_status": 429}, True),
        ("provider_error", {"message": "HTTP 401", "upstream_status": 401}, True),
        ("provider_error", {"message": "HTTP 404 no such model", "upstream_status": 404}, True),
        ("provider_error", {"message": "HTTP 400 bad tools", "upstream_status": 400}, False),
        ("provider_error", {"message": "HTTP 422", "upstream_status": 422}, False),
        ("gateway_error", {"message": "internal gateway error"}, True),
        ("context_length_exceeded", {"message": "too long"}, False),
        ("budget_exceeded", {"message": "spent"}, False),
        ("cancelled", {"message": "cancelled"}, False),
        ("ok", None, False),
    ],
)
def test_which_recorded_failures_are_infrastructure(
    status: str, error: dict[str, Any] | None, infrastructure: bool
) -> None:
    assert (infrastructure_problem(status, error) is not None) is infrastructure


def test_the_reply_cap_lowers_or_sets_max_tokens() -> None:
    assert cap_reply_tokens({}, 256) == {"max_tokens": 256}
    assert cap_reply_tokens({"max_tokens": 100}, 256) == {"max_tokens": 100}
    assert cap_reply_tokens({"max_tokens": 9000}, 256) == {"max_tokens": 256}
    assert cap_reply_tokens({"max_completion_tokens": 9000}, 256) == {"max_completion_tokens": 256}


def test_the_role_max_tokens_reaches_the_provider(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    config = openai_config(upstream)
    config["roles"]["task"]["max_tokens"] = 256
    gateway = start_gateway(config)
    token = gateway.open_job("run-1", "a", "j", "task")
    call(gateway.socket_path, token, chat())
    call(gateway.socket_path, token, chat(max_tokens=100_000))
    assert [sent["max_tokens"] for _, _, sent in upstream.requests] == [256, 256]


def _slow(seconds: float) -> Any:
    def handler(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        time.sleep(seconds)
        return 200, openai_reply()

    return handler


def test_closing_a_job_cancels_its_call_in_flight_and_records_it(
    upstream: FakeUpstream, start_gateway: StartGateway, short_dir: Path
) -> None:
    upstream.handler = _slow(1.5)
    gateway = start_gateway(openai_config(upstream))
    token = gateway.open_job("run-1", "a", "j", "task")
    answers: list[tuple[int, Any]] = []
    client = threading.Thread(
        target=lambda: answers.append(call(gateway.socket_path, token, chat("x" * 400)))
    )
    client.start()
    deadline = time.monotonic() + 10
    while not upstream.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    usage = gateway.close_job(token)
    assert time.monotonic() - started < 1.0
    client.join(10)
    [record] = calls_for_job(short_dir / "run.db", "j")  # recorded when close_job returned
    assert record.status == "cancelled" and record.error is not None
    assert record.error["tokens_estimated"] is True
    assert record.input_tokens > 100 and record.output_tokens == 0
    assert (usage.calls, usage.input_tokens) == (1, record.input_tokens)
    assert answers[0][0] == 503 and answers[0][1]["error"]["type"] == "cancelled"


def test_stopping_the_gateway_with_a_call_in_flight_is_clean(
    upstream: FakeUpstream, short_dir: Path
) -> None:
    from hgm.llm import Gateway, GatewayConfig

    upstream.handler = _slow(1.5)
    gateway = Gateway(
        GatewayConfig.model_validate(openai_config(upstream)),
        socket_dir=short_dir / "gw",
        db_path=short_dir / "run.db",
        run="run-1",
    ).start()
    token = gateway.open_job("run-1", "a", "j", "task")
    client = threading.Thread(target=lambda: call(gateway.socket_path, token, chat()))
    client.start()
    deadline = time.monotonic() + 10
    while not upstream.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert gateway.serving
    started = time.monotonic()
    gateway.stop()
    assert time.monotonic() - started < 1.0 and not gateway.serving
    client.join(10)
    [record] = calls_for_job(short_dir / "run.db", "j")
    assert record.status == "cancelled"
