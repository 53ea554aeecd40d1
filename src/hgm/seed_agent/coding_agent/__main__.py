"""Entry point: `python -m coding_agent --task TASK.json --repo REPO_DIR --out OUT_DIR`.

Writes OUT_DIR/trajectory.jsonl (one record per step) and OUT_DIR/result.json (why it
stopped). Exit code 0 for any clean stop (SIGTERM is taken as the time limit), 2 for
unusable arguments, 1 for a crash.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from . import prompts
from .limits import Limits
from .llm_client import ChatClient
from .loop import AgentLoop, LimitReached
from .tools import default_toolbox
from .trajectory import Trajectory


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="coding_agent", description=__doc__)
    parser.add_argument("--task", required=True, type=Path, help="TASK.json")
    parser.add_argument("--repo", required=True, type=Path, help="the repository to edit")
    parser.add_argument("--out", required=True, type=Path, help="where logs and result go")
    return parser.parse_args(argv)


def stop_on_sigterm(signum: int, frame: object) -> None:
    """The harness ends a run that is out of time with SIGTERM: stop cleanly and report it."""
    raise LimitReached("time_limit", "terminated by SIGTERM")


def write_result(out: Path, result: dict[str, Any]) -> None:
    (out / "result.json").write_text(json.dumps(result, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    repo = args.repo.resolve()
    try:
        task = json.loads(args.task.read_text())
        if not repo.is_dir():
            raise ValueError(f"--repo {repo} is not a directory")
        limits = Limits.from_dict(task.get("limits"))
        client = ChatClient.from_env(
            timeout_s=min(600.0, limits.wall_clock_s), max_tokens=limits.max_tokens_per_call
        )
        deadline = time.monotonic() + limits.wall_clock_s
        toolbox = default_toolbox(repo, limits.command_timeout_s, deadline)
        loop = AgentLoop(
            client,
            toolbox,
            limits,
            Trajectory(out / "trajectory.jsonl"),
            os.environ.get("HGM_TOOL_MODE", "auto"),
        )
    except (OSError, ValueError, TypeError, AttributeError) as error:
        print(f"coding_agent: {error}", file=sys.stderr)
        write_result(out, {"reason": "bad_arguments", "detail": str(error)})
        return 2
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        outcome = loop.run(prompts.task_message(task, str(repo), limits.max_steps))
    except Exception:
        write_result(out, {"reason": "crash", "detail": traceback.format_exc()})
        raise
    finally:
        toolbox.close()
    write_result(out, {"task_id": task.get("id"), **dataclasses.asdict(outcome)})
    print(f"coding_agent: stopped ({outcome.reason}) after {outcome.steps} steps", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
