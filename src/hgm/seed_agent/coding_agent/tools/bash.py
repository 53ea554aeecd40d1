"""The bash tool: one long-lived bash process, so `cd` and `export` carry over between calls.

Each command runs as `{ COMMAND } < /dev/null`, followed by a printf of a random marker with
the exit status and the working directory; output is read until that marker shows up. On a
timeout the whole process group is killed and a fresh shell starts in the last known directory.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from .output import truncate_middle
from .toolbox import ToolError, function_schema, get_arg

DESCRIPTION = (
    "Run a command in a persistent bash shell (the working directory and exported variables "
    "persist between calls; it starts in the repository). stdin is /dev/null, so do not run "
    "interactive programs. stdout and stderr are merged; long output is cut in the middle."
)
BUFFER_CAP = 1_000_000  # bytes kept while reading; the middle of a flood is dropped


class BashTool:
    name = "bash"

    def __init__(
        self,
        cwd: Path,
        timeout_s: float = 180.0,
        output_limit: int = 10_000,
        deadline: float | None = None,  # time.monotonic() after which no command may run on
    ) -> None:
        self.home = cwd
        self.cwd = cwd
        self.timeout_s = timeout_s
        self.output_limit = output_limit
        self.deadline = deadline
        self.marker = f"__BASH_DONE_{uuid.uuid4().hex}__"
        self.process: subprocess.Popen[bytes] | None = None

    def schema(self) -> dict[str, Any]:
        properties = {
            "command": {"type": "string", "description": "The bash command(s) to run."},
            "timeout": {
                "type": "integer",
                "description": f"Seconds before it is killed (at most {self.timeout_s:g}).",
            },
        }
        return function_schema(self.name, DESCRIPTION, properties, ["command"])

    def run(self, args: dict[str, Any]) -> str:
        command = get_arg(args, "command", str)
        timeout = get_arg(args, "timeout", int, required=False)
        limit = self.timeout_s if timeout is None else min(timeout, self.timeout_s)
        if self.deadline is not None:
            limit = min(limit, self.deadline - time.monotonic())
        return self.execute(command, max(1.0, limit))

    def execute(self, command: str, timeout_s: float) -> str:
        if not command.strip():
            raise ToolError("empty command")
        syntax = subprocess.run(["bash", "-n"], input=command.encode(), capture_output=True)
        if syntax.returncode != 0:
            raise ToolError(f"bash syntax error:\n{syntax.stderr.decode(errors='replace')}")
        process = self._ensure_started()
        script = (
            f"{{\n{command}\n}} < /dev/null\n"
            f'__status=$?; printf \'\\n{self.marker} %s %s\\n\' "$__status" "$PWD"\n'
        )
        assert process.stdin is not None
        try:
            process.stdin.write(script.encode())
            process.stdin.flush()
        except BrokenPipeError:
            self.close()
            raise ToolError("the shell had exited; a new one is started on the next call") from None
        return self._read_until_marker(process, timeout_s)

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self.process is not None and self.process.poll() is None:
            return self.process
        if not self.cwd.is_dir():
            self.cwd = self.home
        env = dict(os.environ, PAGER="cat", GIT_PAGER="cat", TERM="dumb")
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
            env=env,
            start_new_session=True,
        )
        return self.process

    def _read_until_marker(self, process: subprocess.Popen[bytes], timeout_s: float) -> str:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        marker = ("\n" + self.marker + " ").encode()
        buffer = bytearray()
        dropped = 0
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                note = (
                    f"[command timed out after {timeout_s:g} s and was killed; a fresh shell "
                    f"starts in {self.cwd}; exported variables and background jobs are gone]"
                )
                return self._format(bytes(buffer), dropped, note)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.close()
                note = f"[the shell exited; a new one starts in {self.cwd} on the next call]"
                return self._format(bytes(buffer), dropped, note)
            buffer += chunk
            if len(buffer) > BUFFER_CAP:
                keep = BUFFER_CAP // 4
                dropped += len(buffer) - 2 * keep
                del buffer[keep:-keep]
            found = buffer.rfind(marker, max(0, len(buffer) - len(chunk) - 8192))
            if found >= 0 and buffer.endswith(b"\n"):
                status, _, cwd = buffer[found + len(marker) : -1].decode().partition(" ")
                self.cwd = Path(cwd)
                return self._format(bytes(buffer[:found]), dropped, f"[exit code {status}]")

    def _format(self, output: bytes, dropped: int, note: str) -> str:
        text = truncate_middle(output.decode(errors="replace").rstrip("\n"), self.output_limit)
        if dropped:
            note = f"[{dropped} more bytes of output were discarded]\n{note}"
        return f"{text}\n{note}" if text else note

    def close(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the shell and its children
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.process = None
