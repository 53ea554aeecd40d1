import json
import tempfile
import unittest
from pathlib import Path
from typing import Any

from coding_agent.limits import Limits
from coding_agent.llm_client import (
    BudgetExceeded,
    ContextLengthExceeded,
    LLMError,
    ToolsUnsupported,
)
from coding_agent.loop import AgentLoop, Outcome
from coding_agent.tools import default_toolbox
from coding_agent.trajectory import Trajectory

from tests.fakes import ScriptedModel, call, cut, text, tool_block

CREATE_HELLO = {"command": "create", "path": "hello.py", "file_text": "print('hello')\n"}


class LoopTest(unittest.TestCase):
    def setUp(self) -> None:
        self.repo = Path(tempfile.mkdtemp()).resolve()
        self.out = Path(tempfile.mkdtemp())

    def run_loop(
        self, model: ScriptedModel, limits: Limits | None = None, mode: str = "auto", **kw: Any
    ) -> Outcome:
        toolbox = default_toolbox(self.repo, command_timeout_s=20)
        self.addCleanup(toolbox.close)
        trajectory = Trajectory(self.out / "trajectory.jsonl")
        loop = AgentLoop(model, toolbox, limits or Limits(), trajectory, mode, **kw)
        return loop.run("Create hello.py that prints hello.")

    def records(self) -> list[dict[str, Any]]:
        lines = (self.out / "trajectory.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines]

    def test_solves_a_toy_task_with_tool_calls(self) -> None:
        model = ScriptedModel(
            [
                call("bash", {"command": "ls -a"}),
                call("editor", CREATE_HELLO),
                call("bash", {"command": "cat hello.py"}),
                call("finish", {"summary": "created hello.py"}),
            ]
        )
        outcome = self.run_loop(model)
        self.assertEqual(
            (outcome.reason, outcome.detail, outcome.steps), ("finished", "created hello.py", 4)
        )
        self.assertEqual(outcome.usage, {"total_tokens": 40})
        self.assertEqual((self.repo / "hello.py").read_text(), "print('hello')\n")
        last_request = model.requests[-1]["messages"]
        self.assertEqual(last_request[-1]["role"], "tool")
        self.assertIn("print('hello')", last_request[-1]["content"])
        self.assertEqual(
            [t["function"]["name"] for t in model.requests[0]["tools"]],
            ["bash", "editor", "finish"],
        )
        records = self.records()
        self.assertEqual([r["type"] for r in records], ["start"] + ["step"] * 4 + ["stop"])
        self.assertEqual(records[2]["results"][0]["tool"], "editor")
        self.assertEqual(records[-1]["reason"], "finished")

    def test_malformed_tool_calls_are_reported_to_the_model(self) -> None:
        model = ScriptedModel(
            [
                call("bash", '{"command": "ls"'),
                call("grep", {"pattern": "x"}),
                call("editor", {"path": "a.py"}),
                text("I am not sure what to do."),
                tool_block("bash", {"command": 42}),
                call("finish", {"summary": "gave up"}),
            ]
        )
        self.assertEqual(self.run_loop(model).reason, "finished")
        replies = [request["messages"][-1]["content"] for request in model.requests[1:]]
        self.assertIn("not valid JSON", replies[0])
        self.assertIn("unknown tool 'grep'", replies[1])
        self.assertIn("missing required argument 'command'", replies[2])
        self.assertIn("called no tool", replies[3])
        self.assertIn("must be of type str", replies[4])

    def test_step_limit(self) -> None:
        model = ScriptedModel([call("bash", {"command": "true"})] * 5)
        outcome = self.run_loop(model, Limits(max_steps=3))
        self.assertEqual((outcome.reason, outcome.steps), ("step_limit", 3))

    def test_time_limit(self) -> None:
        ticks = iter(range(0, 1000, 10))
        model = ScriptedModel([call("bash", {"command": "true"})] * 20)
        outcome = self.run_loop(model, Limits(wall_clock_s=60), clock=lambda: next(ticks))
        self.assertEqual(outcome.reason, "time_limit")
        self.assertLess(outcome.steps, 5)

    def test_token_limit(self) -> None:
        model = ScriptedModel([call("bash", {"command": "true"})] * 5, tokens_per_call=100)
        outcome = self.run_loop(model, Limits(max_tokens=250))
        self.assertEqual((outcome.reason, outcome.steps), ("token_limit", 3))

    def test_typed_gateway_errors_end_the_loop_cleanly(self) -> None:
        cases = [
            (BudgetExceeded("job budget spent"), "budget_exceeded"),
            (ContextLengthExceeded("too long"), "context_length_exceeded"),
            (LLMError("bad gateway"), "llm_error"),
        ]
        for error, reason in cases:
            with self.subTest(reason=reason):
                outcome = self.run_loop(ScriptedModel([call("bash", {"command": "true"}), error]))
                self.assertEqual(
                    (outcome.reason, outcome.detail, outcome.steps), (reason, str(error), 2)
                )
                self.assertEqual(self.records()[-1]["reason"], reason)

    def test_text_mode_uses_tool_blocks_and_sends_no_tools(self) -> None:
        model = ScriptedModel(
            [tool_block("editor", CREATE_HELLO), tool_block("finish", {"summary": "ok"})]
        )
        outcome = self.run_loop(model, mode="text")
        self.assertEqual((outcome.reason, outcome.tool_mode), ("finished", "text"))
        self.assertTrue((self.repo / "hello.py").exists())
        self.assertEqual(model.requests[0]["tools"], [])
        self.assertIn("```tool", model.requests[0]["messages"][0]["content"])
        self.assertIn("Result of `editor`", model.requests[1]["messages"][-1]["content"])

    def test_auto_mode_falls_back_to_text_when_tools_are_refused(self) -> None:
        refused = ToolsUnsupported("this model does not support tools")
        model = ScriptedModel([refused, tool_block("finish", {"summary": "ok"})])
        outcome = self.run_loop(model)
        self.assertEqual((outcome.reason, outcome.tool_mode), ("finished", "text"))
        self.assertNotEqual(model.requests[0]["tools"], [])
        self.assertEqual(model.requests[1]["tools"], [])

    def test_auto_mode_switches_to_text_when_tools_are_ignored(self) -> None:
        chatty = text("Sure! To list files you can run ls.")
        model = ScriptedModel([chatty, chatty, tool_block("finish", {"summary": "ok"})])
        outcome = self.run_loop(model)
        self.assertEqual((outcome.reason, outcome.tool_mode), ("finished", "text"))
        self.assertNotEqual(model.requests[1]["tools"], [])
        self.assertEqual(model.requests[2]["tools"], [])
        self.assertIn("```tool", model.requests[2]["messages"][0]["content"])
        self.assertIn("fenced `tool` block", model.requests[2]["messages"][-1]["content"])
        switches = [r for r in self.records() if r["type"] == "switch"]
        self.assertEqual([(r["mode"], r["step"]) for r in switches], [("text", 2)])

    def test_a_reply_cut_off_at_its_limit_is_told_to_be_shorter(self) -> None:
        model = ScriptedModel([cut("Let me explain at length"), call("finish", {"summary": "ok"})])
        outcome = self.run_loop(model, Limits(max_tokens_per_call=64), mode="native")
        self.assertEqual(outcome.reason, "finished")
        reminder = model.requests[1]["messages"][-1]["content"]
        self.assertIn("cut off at the length limit (64 tokens)", reminder)

    def test_native_mode_does_not_fall_back(self) -> None:
        model = ScriptedModel([ToolsUnsupported("no tools here")])
        self.assertEqual(self.run_loop(model, mode="native").reason, "llm_error")


if __name__ == "__main__":
    unittest.main()
