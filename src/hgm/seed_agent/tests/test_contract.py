"""Runs `python -m coding_agent` as the harness does, against a fake OpenAI-compatible server."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from typing import Any

from tests.fake_server import FakeChatServer, completion_body, error_body
from tests.fakes import call, tool_block

AGENT_DIR = Path(__file__).resolve().parents[1]
TASK = {
    "id": "toy-1",
    "instructions": "Create greeting.txt containing 'hello'.",
    "language": "text",
    "test_command": "cat greeting.txt",
    "limits": {
        "max_steps": 10,
        "wall_clock_s": 60,
        "max_tokens": 10_000,
        "max_tokens_per_call": 512,
    },
}
CREATE = {"command": "create", "path": "greeting.txt", "file_text": "hello\n"}


class ContractTest(unittest.TestCase):
    def setUp(self) -> None:
        work = Path(tempfile.mkdtemp()).resolve()
        self.repo, self.out, self.task = work / "repo", work / "out", work / "TASK.json"
        self.repo.mkdir()
        (self.repo / "README").write_text("a toy repository\n")
        self.task.write_text(json.dumps(TASK))

    def start_agent(self, server: FakeChatServer) -> subprocess.Popen[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HGM_")}
        environment.update(
            HGM_LLM_BASE_URL=server.base_url, HGM_LLM_API_KEY="job-token", HGM_MODEL="task"
        )
        command = [sys.executable, "-m", "coding_agent", "--task", str(self.task),
                   "--repo", str(self.repo), "--out", str(self.out)]  # fmt: skip
        return subprocess.Popen(
            command, cwd=AGENT_DIR, env=environment, stderr=subprocess.PIPE, text=True
        )

    def run_agent(self, server: FakeChatServer) -> subprocess.CompletedProcess[str]:
        with self.start_agent(server) as process:
            _, stderr = process.communicate(timeout=60)
        return subprocess.CompletedProcess(process.args, process.returncode, "", stderr)

    def result(self) -> dict[str, Any]:
        return json.loads((self.out / "result.json").read_text())

    def trajectory(self) -> list[dict[str, Any]]:
        lines = (self.out / "trajectory.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines]

    def test_solves_a_toy_task_through_http(self) -> None:
        replies = [
            call("bash", {"command": "ls"}),
            call("editor", CREATE),
            call("bash", {"command": "cat greeting.txt"}),
            call("finish", {"summary": "wrote greeting.txt"}),
        ]
        with FakeChatServer([(200, completion_body(r)) for r in replies]) as server:
            completed = self.run_agent(server)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual((self.repo / "greeting.txt").read_text(), "hello\n")
        result = self.result()
        self.assertEqual(
            (result["reason"], result["task_id"], result["steps"]), ("finished", "toy-1", 4)
        )
        self.assertEqual(result["usage"]["total_tokens"], 40)
        first = server.requests[0]
        self.assertEqual((first["auth"], first["model"]), ("Bearer job-token", "task"))
        self.assertEqual(first["max_tokens"], 512)
        self.assertIn("cat greeting.txt", first["messages"][1]["content"])
        self.assertIn("README", server.requests[1]["messages"][-1]["content"])
        records = self.trajectory()
        self.assertEqual([r["type"] for r in records], ["start"] + ["step"] * 4 + ["stop"])
        self.assertEqual(records[3]["results"][0]["output"], "hello\n[exit code 0]")

    def test_falls_back_to_the_text_protocol_when_tools_are_refused(self) -> None:
        replies = [
            (400, error_body("invalid_request_error", "this model does not support tools")),
            (200, completion_body(tool_block("editor", CREATE))),
            (200, completion_body(tool_block("finish", {"summary": "done"}))),
        ]
        with FakeChatServer(replies) as server:
            completed = self.run_agent(server)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual(
            (self.result()["reason"], self.result()["tool_mode"]), ("finished", "text")
        )
        self.assertTrue((self.repo / "greeting.txt").exists())
        self.assertNotIn("tools", server.requests[1])

    def test_budget_exceeded_is_a_clean_stop(self) -> None:
        with FakeChatServer([(402, error_body("budget_exceeded", "job budget spent"))]) as server:
            completed = self.run_agent(server)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual(
            (self.result()["reason"], self.result()["detail"]),
            ("budget_exceeded", "job budget spent"),
        )

    def test_sigterm_is_a_clean_time_limit_stop(self) -> None:
        replies = [(200, completion_body(call("bash", {"command": "touch started; sleep 30"})))]
        with FakeChatServer(replies) as server, self.start_agent(server) as process:
            deadline = time.monotonic() + 20
            while not (self.repo / "started").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=20)
        self.assertEqual(process.returncode, 0, stderr)
        self.assertEqual((self.result()["reason"], self.result()["steps"]), ("time_limit", 1))
        self.assertEqual([r["type"] for r in self.trajectory()], ["start", "step", "stop"])

    def test_bad_arguments_exit_2_with_a_result(self) -> None:
        self.task.write_text("{not json")
        with FakeChatServer([]) as server:
            completed = self.run_agent(server)
        self.assertEqual(completed.returncode, 2)
        self.assertEqual(self.result()["reason"], "bad_arguments")


if __name__ == "__main__":
    unittest.main()
