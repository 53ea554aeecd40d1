import unittest

from coding_agent.llm_client import (
    BudgetExceeded,
    ChatClient,
    ContextLengthExceeded,
    LLMError,
    ToolsUnsupported,
)

from tests.fake_server import FakeChatServer, completion_body, error_body
from tests.fakes import call

TOOLS = [{"type": "function", "function": {"name": "bash", "parameters": {"type": "object"}}}]
MESSAGES = [{"role": "user", "content": "hi"}]


def relayed(upstream_status: int, message: str) -> dict[str, object]:
    """The gateway's answer when the provider refused a request."""
    error = {"type": "provider_error", "message": message, "upstream_status": upstream_status}
    return {"error": error}


class ChatClientTest(unittest.TestCase):
    def client(self, server: FakeChatServer, base_url: str | None = None) -> ChatClient:
        self.sleeps: list[float] = []
        url = base_url or server.base_url
        return ChatClient(
            url, "job-token", "task-model", timeout_s=5, retries=2, sleep=self.sleeps.append
        )

    def test_posts_a_chat_completion_and_normalizes_the_answer(self) -> None:
        with FakeChatServer(
            [(200, completion_body(call("bash", {"command": "ls"}), 12))]
        ) as server:
            completion = self.client(server).complete(MESSAGES, TOOLS)
        request = server.requests[0]
        self.assertEqual(request["path"], "/v1/chat/completions")
        self.assertEqual(request["auth"], "Bearer job-token")
        self.assertEqual(
            (request["model"], request["messages"], request["tools"]),
            ("task-model", MESSAGES, TOOLS),
        )
        self.assertEqual(
            completion.message["tool_calls"][0]["function"]["arguments"], '{"command": "ls"}'
        )
        self.assertEqual(completion.usage["total_tokens"], 12)

    def test_no_tools_key_when_there_are_no_tools(self) -> None:
        with FakeChatServer(
            [(200, completion_body({"role": "assistant", "content": "hello"}))]
        ) as server:
            completion = self.client(server).complete(MESSAGES, [])
        self.assertNotIn("tools", server.requests[0])
        self.assertEqual(completion.message, {"role": "assistant", "content": "hello"})

    def test_typed_gateway_errors(self) -> None:
        context_error = {
            "error": {"type": "invalid_request_error", "code": "context_length_exceeded"}
        }
        cases = [
            ((402, error_body("budget_exceeded", "job budget spent")), BudgetExceeded),
            ((400, context_error), ContextLengthExceeded),
            (
                (400, error_body("invalid_request_error", "model does not support tools")),
                ToolsUnsupported,
            ),
            ((401, error_body("invalid_token")), LLMError),
            ((502, relayed(400, "HTTP 400: this model does not support tools")), ToolsUnsupported),
            ((502, relayed(404, "HTTP 404: no such model")), LLMError),
            ((200, b"not json"), LLMError),
        ]
        for reply, error_class in cases:
            with self.subTest(error=error_class.__name__), FakeChatServer([reply]) as server:
                with self.assertRaises(error_class) as raised:
                    self.client(server).complete(MESSAGES, TOOLS)
                self.assertIs(type(raised.exception), error_class)
                self.assertEqual(len(server.requests), 1)
        self.assertEqual(BudgetExceeded("x").reason, "budget_exceeded")

    def test_sends_max_tokens_and_reads_the_finish_reason(self) -> None:
        body = completion_body({"role": "assistant", "content": "partial"})
        body["choices"][0]["finish_reason"] = "length"
        with FakeChatServer([(200, body)]) as server:
            client = ChatClient(server.base_url, "t", "task", timeout_s=5, max_tokens=64)
            completion = client.complete(MESSAGES, [])
        self.assertEqual(server.requests[0]["max_tokens"], 64)
        self.assertEqual(completion.finish_reason, "length")

    def test_the_gateways_provider_errors_are_not_retried_again(self) -> None:
        for error_type in ("provider_error", "cancelled"):
            with (
                self.subTest(error=error_type),
                FakeChatServer([(502, error_body(error_type, "provider down"))] * 3) as server,
            ):
                with self.assertRaisesRegex(LLMError, "provider down"):
                    self.client(server).complete(MESSAGES, TOOLS)
                self.assertEqual(len(server.requests), 1)
                self.assertEqual(self.sleeps, [])

    def test_retries_server_errors_then_succeeds(self) -> None:
        replies = [
            (503, error_body("overloaded")),
            (429, b"slow down"),
            (200, completion_body(call("finish", {}))),
        ]
        with FakeChatServer(replies) as server:
            completion = self.client(server).complete(MESSAGES, TOOLS)
        self.assertEqual(completion.message["tool_calls"][0]["function"]["name"], "finish")
        self.assertEqual(self.sleeps, [2.0, 4.0])

    def test_gives_up_after_the_retries(self) -> None:
        server = FakeChatServer([(500, error_body("boom"))] * 5)
        with server, self.assertRaisesRegex(LLMError, "gave up after 3 attempts"):
            self.client(server).complete(MESSAGES, TOOLS)
        self.assertEqual(len(server.requests), 3)

    def test_connection_refused_is_retried_then_an_llm_error(self) -> None:
        with FakeChatServer([]) as server:
            url = server.base_url
        with self.assertRaisesRegex(LLMError, "cannot reach"):
            self.client(server, url).complete(MESSAGES, TOOLS)
        self.assertEqual(len(self.sleeps), 2)

    def test_from_env_reads_the_reply_limit(self) -> None:
        env = {"HGM_LLM_BASE_URL": "http://127.0.0.1:1/v1", "HGM_MAX_TOKENS": "128"}
        self.assertEqual(ChatClient.from_env(env).max_tokens, 128)
        self.assertEqual(ChatClient.from_env(env, max_tokens=32).max_tokens, 32)
        self.assertIsNone(ChatClient.from_env({"HGM_LLM_BASE_URL": "http://x/v1"}).max_tokens)

    def test_from_env_requires_a_base_url(self) -> None:
        with self.assertRaisesRegex(ValueError, "HGM_LLM_BASE_URL"):
            ChatClient.from_env({})
        client = ChatClient.from_env(
            {"HGM_LLM_BASE_URL": "http://127.0.0.1:1/v1/", "HGM_MODEL": "m"}
        )
        self.assertEqual(
            (client.url, client.model), ("http://127.0.0.1:1/v1/chat/completions", "m")
        )


if __name__ == "__main__":
    unittest.main()
