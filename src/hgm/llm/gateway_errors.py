"""Typed errors the gateway turns into agent-visible `{"error": {"type": ...}}` responses."""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """An error the agent receives as `{"error": {"type": ..., "message": ...}}`."""

    status = 500
    error_type = "gateway_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error = {"type": self.error_type, "code": self.error_type, "message": self.message}
        error.update(self.details)
        return {"error": error}


class InvalidToken(GatewayError):
    status = 401
    error_type = "invalid_token"


class BadRequest(GatewayError):
    status = 400
    error_type = "invalid_request_error"


class BudgetExceeded(GatewayError):
    """402, not 429: OpenAI clients retry 429 by themselves, and a budget does not refill."""

    status = 402
    error_type = "budget_exceeded"


class ContextLengthExceeded(GatewayError):
    status = 400
    error_type = "context_length_exceeded"


class ReplayMiss(GatewayError):
    status = 404
    error_type = "replay_miss"


class ScriptNoMatch(GatewayError):
    status = 400
    error_type = "script_no_match"


class CallCancelled(GatewayError):
    """The call was cancelled before the provider answered (recorded with status `cancelled`).

    503: the agent may retry, but its job is usually over when this happens."""

    status = 503
    error_type = "cancelled"


class ProviderFailed(GatewayError):
    """The provider answered with an error (after retries when `retryable`)."""

    status = 502
    error_type = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after_s: float | None = None,
        upstream_status: int | None = None,
    ) -> None:
        super().__init__(message, upstream_status=upstream_status)
        self.retryable = retryable
        self.retry_after_s = retry_after_s
