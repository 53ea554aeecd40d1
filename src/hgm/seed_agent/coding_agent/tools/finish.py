"""The finish tool: the model says it is done; the loop stops with reason `finished`."""

from __future__ import annotations

from typing import Any

from .toolbox import function_schema, get_arg

DESCRIPTION = (
    "Call this when the task is done (or cannot be done), after checking your work. "
    "Give a short summary of what you changed and how you verified it."
)


class Finished(Exception):
    """Raised by the finish tool; carries the model's summary to the loop."""

    def __init__(self, summary: str) -> None:
        super().__init__(summary)
        self.summary = summary


class FinishTool:
    name = "finish"

    def schema(self) -> dict[str, Any]:
        properties = {"summary": {"type": "string", "description": "What you did, briefly."}}
        return function_schema(self.name, DESCRIPTION, properties, ["summary"])

    def run(self, args: dict[str, Any]) -> str:
        raise Finished(get_arg(args, "summary", str, required=False) or "")
