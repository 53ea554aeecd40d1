"""The tool protocol, argument checking, and the toolbox that dispatches calls by name."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Protocol


class ToolError(Exception):
    """A mistake the model can fix (bad arguments, missing file...). Reported back to it."""


class Tool(Protocol):
    name: str

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-calling schema: {"type": "function", "function": {...}}."""
        ...

    def run(self, args: dict[str, Any]) -> str: ...


def function_schema(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


def get_arg(args: dict[str, Any], name: str, kind: type, required: bool = True) -> Any:
    """Return args[name] checked against `kind`; None if optional and absent."""
    if name not in args or args[name] is None:
        if required:
            raise ToolError(f"missing required argument '{name}'")
        return None
    value = args[name]
    if kind is not str and isinstance(value, str):  # models sometimes quote numbers and lists
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ToolError(f"argument '{name}' must be of type {kind.__name__}, got {value!r}")
    return value


class Toolbox:
    """Tools by name. `call` turns every ToolError into an error text for the model."""

    def __init__(self, tools: list[Tool]) -> None:
        self.tools = {tool.name: tool for tool in tools}

    def schemas(self) -> list[dict[str, Any]]:
        return [tool.schema() for tool in self.tools.values()]

    def call(self, name: str, arguments: str | dict[str, Any]) -> str:
        """Run one tool call. `arguments` is the raw JSON text or an already parsed dict."""
        try:
            tool = self.tools.get(name)
            if tool is None:
                raise ToolError(f"unknown tool '{name}'; available: {', '.join(self.tools)}")
            args = parse_arguments(arguments)
            return tool.run(args)
        except ToolError as error:
            return f"Error ({name}): {error}"

    def close(self) -> None:
        for tool in self.tools.values():
            close = getattr(tool, "close", None)
            if close is not None:
                close()


def parse_arguments(arguments: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError as error:
        raise ToolError(f"arguments are not valid JSON ({error}): {arguments[:200]!r}") from None
    if not isinstance(parsed, dict):
        raise ToolError(f"arguments must be a JSON object, got {type(parsed).__name__}")
    return parsed
