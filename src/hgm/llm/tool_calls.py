"""Repairs malformed tool calls from a provider so that agents never choke on them.

Arguments that are not a JSON object are fixed when the fix is unambiguous
(code fences, an empty string, trailing commas, unclosed braces); otherwise they
are wrapped as `{"_invalid_json_arguments": RAW}` so that the agent's tool can
report the problem to the model. Each change is counted and recorded.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _as_object(text: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _repaired(raw: str) -> dict[str, Any] | None:
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    if not text:
        return {}
    missing = text.count("{") - text.count("}")
    if missing > 0:
        text += "}" * missing
    return _as_object(_TRAILING_COMMA.sub(r"\1", text))


def repair_tool_calls(message: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """(message with well-formed tool calls, number of calls changed)."""
    calls = message.get("tool_calls")
    if not calls:
        return message, 0
    fixed_calls = []
    repairs = 0
    for index, call in enumerate(calls):
        function = dict(call.get("function") or {})
        arguments = function.get("arguments")
        fixed = dict(call, type="function")
        if not fixed.get("id"):
            fixed["id"] = f"call_{index}"
            repairs += 1
        if isinstance(arguments, dict):
            function["arguments"] = json.dumps(arguments, ensure_ascii=False)
            repairs += 1
        elif not isinstance(arguments, str) or _as_object(arguments) is None:
            raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
            parsed = _repaired(raw)
            value = parsed if parsed is not None else {"_invalid_json_arguments": raw}
            function["arguments"] = json.dumps(value, ensure_ascii=False)
            repairs += 1
        fixed["function"] = function
        fixed_calls.append(fixed)
    return dict(message, tool_calls=fixed_calls), repairs
