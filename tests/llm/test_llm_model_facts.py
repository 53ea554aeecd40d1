"""What a server says about itself, read for free: vLLM's, llama.cpp's and Ollama's answers
(as they send them) give the context window and the models served."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hgm.llm.config import GatewayConfig, OpenAIProviderConfig
from hgm.llm.model_facts import OLLAMA_DEFAULT_WINDOW, configured_facts, discover, with_server

Routes = dict[tuple[str, str], Any]


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(routes: Routes) -> OpenAIProviderConfig:
        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                found = routes.get((method, self.path))
                raw = json.dumps(found).encode() if found is not None else b"not found"
                self.send_response(200 if found is not None else 404)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._answer("POST")

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        return OpenAIProviderConfig(base_url=url, api_key_env="")

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_vllm_reports_max_model_len(serve: Any) -> None:
    provider = serve({("GET", "/v1/models"): {"data": [{"id": "Qwen", "max_model_len": 8192}]}})
    facts = discover("local", provider, "Qwen")
    assert (facts.models, facts.context_window) == (("Qwen",), 8192)
    assert facts.window_source == "vLLM /v1/models max_model_len"


def test_an_older_llama_cpp_reports_its_window_in_props(serve: Any) -> None:
    provider = serve(
        {
            ("GET", "/v1/models"): {"data": [{"id": "model.gguf"}]},
            ("GET", "/props"): {"default_generation_settings": {"n_ctx": 4096}},
        }
    )
    facts = discover("local", provider, "model.gguf")
    assert (facts.context_window, facts.window_source) == (4096, "llama.cpp /props n_ctx")


@pytest.mark.parametrize(
    ("parameters", "window"), [("num_ctx 16384\nstop <eos>", 16384), ("", OLLAMA_DEFAULT_WINDOW)]
)
def test_ollama_reports_num_ctx_or_serves_its_default(
    serve: Any, parameters: str, window: int
) -> None:
    shown = {"model_info": {"qwen2.context_length": 32768}, "parameters": parameters}
    provider = serve(
        {
            ("GET", "/v1/models"): {"object": "list", "data": [{"id": "qwen2.5-coder:7b"}]},
            ("POST", "/api/show"): shown,
        }
    )
    facts = discover("local", provider, "qwen2.5-coder:7b")
    assert (facts.context_window, facts.window_source) == (window, "Ollama num_ctx")


def test_a_server_that_says_nothing_leaves_the_config(serve: Any) -> None:
    provider = serve({})
    facts = discover("local", provider, "m")
    assert (facts.models, facts.context_window) == (None, None)
    config = GatewayConfig.model_validate(
        {
            "providers": {"local": provider.model_dump()},
            "roles": {"task": {"provider": "local", "model": "m", "context_window": 32768}},
        }
    )
    task = configured_facts(config)["task"]
    assert with_server(task, facts) == task
    assert (task.context_window, task.window_source, task.max_tokens) == (32768, "configured", 4096)
    assert task.prompt_budget() == 32768 - 4096
