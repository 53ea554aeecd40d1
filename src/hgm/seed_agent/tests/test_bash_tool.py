import tempfile
import time
import unittest
from pathlib import Path

from coding_agent.tools import ToolError
from coding_agent.tools.bash import BashTool


class BashToolTest(unittest.TestCase):
    def setUp(self) -> None:
        self.repo = Path(tempfile.mkdtemp()).resolve()
        (self.repo / "sub").mkdir()
        self.bash = BashTool(self.repo, timeout_s=30, output_limit=400)
        self.addCleanup(self.bash.close)

    def test_starts_in_the_repository_and_reports_the_exit_code(self) -> None:
        self.assertEqual(self.bash.run({"command": "pwd"}), f"{self.repo}\n[exit code 0]")
        self.assertIn("[exit code 3]", self.bash.run({"command": "(exit 3)"}))

    def test_keeps_working_directory_and_variables_between_calls(self) -> None:
        self.bash.run({"command": "cd sub && export GREETING=hello"})
        self.assertEqual(
            self.bash.run({"command": "echo $PWD $GREETING"}).splitlines()[0],
            f"{self.repo / 'sub'} hello",
        )

    def test_merges_stderr_and_reads_no_stdin(self) -> None:
        output = self.bash.run({"command": "echo oops >&2; read line; echo read=$?"})
        self.assertIn("oops", output)
        self.assertIn("read=1", output)

    def test_timeout_kills_the_command_and_restarts_in_the_same_directory(self) -> None:
        self.bash.run({"command": "cd sub"})
        started = time.monotonic()
        output = self.bash.run({"command": "echo before; sleep 20", "timeout": "1"})
        self.assertLess(time.monotonic() - started, 10)
        self.assertIn("before", output)
        self.assertIn("timed out after 1 s", output)
        self.assertEqual(self.bash.run({"command": "pwd"}).splitlines()[0], str(self.repo / "sub"))

    def test_deadline_shortens_the_timeout(self) -> None:
        bash = BashTool(self.repo, timeout_s=30, deadline=time.monotonic() + 1)
        self.addCleanup(bash.close)
        self.assertIn("timed out after 1 s", bash.run({"command": "sleep 20"}))

    def test_long_output_is_cut_in_the_middle(self) -> None:
        output = self.bash.run({"command": "seq 1 5000"})
        self.assertTrue(output.startswith("1\n2\n"))
        self.assertIn("characters omitted", output)
        self.assertIn("5000\n[exit code 0]", output)

    def test_exit_starts_a_new_shell_on_the_next_call(self) -> None:
        self.assertIn("the shell exited", self.bash.run({"command": "exit 4"}))
        self.assertIn("[exit code 0]", self.bash.run({"command": "true"}))

    def test_syntax_errors_and_bad_arguments_are_tool_errors(self) -> None:
        with self.assertRaisesRegex(ToolError, "syntax error"):
            self.bash.run({"command": "echo 'unclosed"})
        with self.assertRaisesRegex(ToolError, "missing required argument 'command'"):
            self.bash.run({})
        with self.assertRaisesRegex(ToolError, "must be of type int"):
            self.bash.run({"command": "true", "timeout": "soon"})


if __name__ == "__main__":
    unittest.main()
