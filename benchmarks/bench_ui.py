"""The dashboard on a big simulated run (10,000 evaluations, ~2,000 agents). Prints JSON.

1. `hgm ui` start-up (reading the whole event log) and the first paint in headless
   Chromium: milliseconds from navigation to the tree drawn (target <= 1000 ms).
2. Agent pages: milliseconds from the click (a hash change) to the page shown, for a
   sample of agents (target <= 300 ms).
3. `hgm report` of that run: seconds and bytes.
4. Server CPU on a running run: a paced sim run with the dashboard open (polling every
   second); the server's CPU seconds over the run's (target <= 5%).

    .venv/bin/python benchmarks/bench_ui.py [--evals 10000] [--alpha 0.83] [--live-s 20]

Needs Debian's chromium and chromium-driver (scripts/setup-test-env.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
)  # fmt: skip


def config(name: str, evals: int, alpha: float, pace: float, workers: int) -> str:
    return f"""
[run]
name = "{name}"
seed = 1
workers = {workers}

[budget]
task_evals = {evals}

[policy]
kind = "hgm"
alpha = {alpha}

[world]
kind = "sim"
seconds_per_time_unit = {pace}

[world.sim]
kind = "drift"
n_tasks = 200
fail_prob = 0.1
"""


def hgm(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hgm", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_ui(run: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str, float]:
    started = time.perf_counter()
    process = hgm("ui", str(run), env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"(http://\S+)", line)
    assert found, line
    return process, found.group(1), time.perf_counter() - started


def browser(profile: str) -> webdriver.Chrome:
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_ready(driver: webdriver.Chrome) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        value = driver.execute_script("return document.body.dataset.readyMs")
        if value:
            return int(value)
        time.sleep(0.02)
    raise RuntimeError("the dashboard never became ready")


OPEN_AGENT = """
const [agent, done] = arguments;
const start = performance.now();
location.hash = '#/run/0/agent/' + agent;
(function check() {
  const page = document.getElementById('agent-page');
  if (page && page.querySelector('h1').textContent.startsWith('agent ' + agent)) {
    requestAnimationFrame(() => done(performance.now() - start));
  } else { setTimeout(check, 2); }
})();
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evals", type=int, default=10_000)
    parser.add_argument("--alpha", type=float, default=0.83)
    parser.add_argument("--live-s", type=float, default=20.0)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="hgm-bench-ui-"))
    env = {**os.environ, "HOME": str(scratch / "home")}
    (scratch / "big.toml").write_text(config("big", args.evals, args.alpha, 0.0, 8))
    run = scratch / "big"
    made = time.perf_counter()
    done = hgm("run", str(scratch / "big.toml"), "--run-dir", str(run), env=env)
    done.communicate()
    assert done.returncode == 0
    result: dict[str, object] = {"make_run_s": round(time.perf_counter() - made, 1)}
    counts = json.loads(subprocess.run(
        [sys.executable, "-m", "hgm", "status", str(run), "--json"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout)  # fmt: skip
    result |= {"evaluations": counts["task_evals_done"], "agents": counts["agents"]}
    server, url, startup = start_ui(run, env)
    driver = browser(str(scratch / "profile"))
    try:
        result["server_start_s"] = round(startup, 2)
        paints = []
        for _ in range(3):
            driver.get("about:blank")
            driver.get(url)
            paints.append(wait_ready(driver))
        result["first_paint_ms"] = {"runs": paints, "median": statistics.median(paints)}
        print(json.dumps(result), file=sys.stderr)
        drawn = driver.find_element("id", "tree-canvas").get_attribute("data-agents")
        result["tree_agents_drawn"] = int(drawn or 0)
        known = driver.execute_script("return Array.from(window.hgmTreeView.run.nodes.keys())")
        agents = [counts["best"]["agent"], *sorted(known)[:: max(1, len(known) // 15)]]
        driver.set_script_timeout(20)
        times = [driver.execute_async_script(OPEN_AGENT, agent) for agent in agents]
        result["agent_page_ms"] = {
            "agents": len(times),
            "median": round(statistics.median(times), 1),
            "max": round(max(times), 1),
        }
    finally:
        driver.quit()
        server.terminate()
        server.wait()
    started = time.perf_counter()
    report = scratch / "big.html"
    subprocess.run(
        [sys.executable, "-m", "hgm", "report", str(run), "-o", str(report)], env=env, check=True
    )
    result["report"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "bytes": report.stat().st_size,
    }
    result["live"] = live_overhead(scratch, env, args.live_s)
    result["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(result, indent=2))


def live_overhead(scratch: Path, env: dict[str, str], seconds: float) -> dict[str, object]:
    """CPU of the dashboard server (a browser polling it) against the run it watches."""
    (scratch / "live.toml").write_text(config("live", 100_000, 0.6, 0.02, 4))
    live = scratch / "live"
    runner = hgm("run", str(scratch / "live.toml"), "--run-dir", str(live), env=env)
    while not (live / "run.toml").exists():
        time.sleep(0.1)
    time.sleep(1.0)
    server, url, _ = start_ui(live, env)
    driver = browser(str(scratch / "profile-live"))
    try:
        driver.get(url)
        wait_ready(driver)
        run_before, server_before = cpu_seconds(runner.pid), cpu_seconds(server.pid)
        time.sleep(seconds)
        run_cpu = cpu_seconds(runner.pid) - run_before
        server_cpu = cpu_seconds(server.pid) - server_before
        agents = driver.find_element("id", "tree-canvas").get_attribute("data-agents")
    finally:
        driver.quit()
        server.terminate()
        server.wait()
        runner.terminate()
        runner.wait()
    return {
        "window_s": seconds,
        "run_cpu_s": round(run_cpu, 2),
        "server_cpu_s": round(server_cpu, 2),
        "server_over_run": round(server_cpu / run_cpu, 4) if run_cpu else None,
        "agents_seen": int(agents or 0),
    }


if __name__ == "__main__":
    main()
