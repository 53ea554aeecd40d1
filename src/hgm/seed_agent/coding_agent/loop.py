"""The agent loop: ask the model, run the tool calls it makes, repeat until a stop.

Stops are exceptions carrying their reason: Finished (the model called `finish`),
LimitReached (steps, wall clock, tokens) and LLMError and its subclasses (budget, context
length, unreachable model). Every step is appended to the trajectory as it happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import prompts
from .limits import Limits
from .llm_client import Completion, LLMError, ToolsUnsupported
from .text_protocol import parse_tool_block
from .tools import Finished, Toolbox, ToolError
from .trajectory import Trajectory

TOOL_MODES = ("auto", "native", "text")
# In auto mode, this many replies in a row without a tool call while tools were offered
# means the model (or its chat template) ignores the tool definitions: switch to text.
IGNORED_TOOLS_SWITCH = 2


class ChatModel(Protocol):
    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> Completion: ...


class LimitReached(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Outcome:
    reason: str  # finished, step_limit, time_limit, token_limit, budget_exceeded, ...
    detail: str
    steps: int
    wall_s: float
    tool_mode: str
    usage: dict[str, int]  # summed over the responses: prompt_tokens, total_tokens...


class AgentLoop:
    def __init__(
        self,
        model: ChatModel,
        toolbox: Toolbox,
        limits: Limits,
        trajectory: Trajectory,
        tool_mode: str = "auto",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if tool_mode not in TOOL_MODES:
            raise ValueError(f"tool mode must be one of {', '.join(TOOL_MODES)}, not {tool_mode!r}")
        self.model = model
        self.toolbox = toolbox
        self.limits = limits
        self.trajectory = trajectory
        self.text_mode = tool_mode == "text"
        self.can_fall_back = tool_mode == "auto"
        self.clock = clock
        self.started = clock()
        self.steps = 0
        self.replies_without_calls = 0
        self.usage: dict[str, int] = {}
        self.messages: list[dict[str, Any]] = []

    def run(self, task_text: str) -> Outcome:
        self.started = self.clock()
        self.messages = [
            {"role": "system", "content": self._system_prompt()},
            {"role": "user", "content": task_text},
        ]
        self.trajectory.write({"type": "start", "messages": self.messages, "mode": self.mode})
        try:
            while True:
                self._check_limits()
                self.step()
        except Finished as done:
            reason, detail = "finished", done.summary
        except LimitReached as limit:
            reason, detail = limit.reason, limit.detail
        except LLMError as error:
            reason, detail = error.reason, error.message
        wall_s = self.clock() - self.started
        outcome = Outcome(reason, detail, self.steps, wall_s, self.mode, dict(self.usage))
        self.trajectory.write({"type": "stop", **outcome.__dict__})
        return outcome

    @property
    def mode(self) -> str:
        return "text" if self.text_mode else "native"

    def step(self) -> None:
        self.steps += 1
        step_started = self.clock()
        record: dict[str, Any] = {"type": "step", "step": self.steps, "mode": self.mode}
        try:
            completion = self._complete()
            record.update(usage=completion.usage, llm_s=round(completion.latency_s, 3))
            record["assistant"] = completion.message
            self.messages.append(completion.message)
            record["results"] = results = []
            self._act(completion.message, results, completion.finish_reason)
        finally:
            record["step_s"] = round(self.clock() - step_started, 3)
            self.trajectory.write(record)

    def _complete(self) -> Completion:
        tools = [] if self.text_mode else self.toolbox.schemas()
        try:
            completion = self.model.complete(self.messages, tools)
        except ToolsUnsupported as refused:
            if not self.can_fall_back:
                raise
            self._switch_to_text(f"the server refused tools: {refused.message}")
            completion = self.model.complete(self.messages, [])
        for key, value in completion.usage.items():
            self.usage[key] = self.usage.get(key, 0) + value
        return completion

    def _act(self, message: dict[str, Any], results: list[dict[str, Any]], finish: str) -> None:
        """Run the message's native tool calls, or else its text tool block, or remind."""
        for call in message.get("tool_calls", []):
            name, arguments = call["function"]["name"], call["function"]["arguments"]
            output = self._call(name, arguments, results)
            self.messages.append({"role": "tool", "tool_call_id": call["id"], "content": output})
        if message.get("tool_calls"):
            self.replies_without_calls = 0
            return
        try:
            parsed = parse_tool_block(message.get("content", ""))
        except ToolError as error:
            reply = f"Error: {error}"
        else:
            if parsed is None:
                reply = self._no_call_reply(finish)
            else:
                if self.can_fall_back:  # it writes tool blocks: give it the text protocol
                    self._switch_to_text("the model wrote a tool block instead of a tool call")
                name, arguments = parsed
                reply = prompts.tool_result_message(name, self._call(name, arguments, results))
        self.messages.append({"role": "user", "content": reply})

    def _no_call_reply(self, finish: str) -> str:
        if self.can_fall_back:
            self.replies_without_calls += 1
            if self.replies_without_calls >= IGNORED_TOOLS_SWITCH:
                self._switch_to_text(f"{self.replies_without_calls} replies without a tool call")
                return prompts.TOOLS_IGNORED
        if finish == "length":
            return prompts.cut_off(self.limits.max_tokens_per_call)
        return prompts.NO_TOOL_CALL

    def _switch_to_text(self, why: str) -> None:
        """Use the text protocol from now on (auto mode only, once)."""
        self.text_mode, self.can_fall_back = True, False
        self.messages[0]["content"] = self._system_prompt()
        self.trajectory.write({"type": "switch", "mode": "text", "why": why, "step": self.steps})

    def _call(self, name: str, arguments: str | dict[str, Any], results: list[Any]) -> str:
        started = self.clock()
        result: dict[str, Any] = {"tool": name, "arguments": arguments}
        results.append(result)
        try:
            result["output"] = output = self.toolbox.call(name, arguments)
        except Finished as done:
            result["output"] = f"finished: {done.summary}"
            raise
        finally:
            result["duration_s"] = round(self.clock() - started, 3)
        return output

    def _check_limits(self) -> None:
        elapsed = self.clock() - self.started
        if self.steps >= self.limits.max_steps:
            raise LimitReached("step_limit", f"reached max_steps={self.limits.max_steps}")
        if elapsed >= self.limits.wall_clock_s:
            raise LimitReached("time_limit", f"ran {elapsed:.0f} s of {self.limits.wall_clock_s} s")
        total = self.usage.get("total_tokens", 0)
        if self.limits.max_tokens is not None and total >= self.limits.max_tokens:
            raise LimitReached("token_limit", f"used {total} of {self.limits.max_tokens} tokens")

    def _system_prompt(self) -> str:
        return prompts.system_prompt(self.text_mode, self.toolbox.schemas())
