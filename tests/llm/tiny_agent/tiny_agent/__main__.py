"""Ask the model once, write its answer into the repository as a comment, report."""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def ask(question: str, max_tokens: int) -> dict:
    base = os.environ["HGM_LLM_BASE_URL"].rstrip("/")
    body = {
        "model": os.environ.get("HGM_MODEL", "task"),
        "messages": [{"role": "user", "content": question}],
        "max_tokens": max_tokens,
    }
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {os.environ.get('HGM_LLM_API_KEY', '')}",
    }
    request = urllib.request.Request(f"{base}/chat/completions", json.dumps(body).encode(), headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=300) as response:
        return json.loads(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(prog="tiny_agent")
    for name in ("--task", "--repo", "--out"):
        parser.add_argument(name, required=True, type=Path)
    args = parser.parse_args()
    task = json.loads(args.task.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    limit = int(task.get("limits", {}).get("max_tokens_per_call") or 16)
    question = "Say one word about: " + str(task.get("instructions", ""))[:200]
    trajectory = args.out / "trajectory.jsonl"
    try:
        answer = ask(question, limit)
        message = answer["choices"][0]["message"]
        text = message.get("content") or json.dumps(message.get("tool_calls"))
        reason = "finished"
    except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
        text, reason = "", "llm_error"
        answer = {"error": str(error)}
    trajectory.write_text(json.dumps({"type": "step", "answer": answer}) + "\n")
    if text:
        targets = sorted(args.repo.rglob("*.py")) or [args.repo / "NOTES.md"]
        with targets[0].open("a") as handle:
            handle.write("\n# " + " ".join(text.split())[:200] + "\n")
    result = {"reason": reason, "detail": text[:200], "task_id": task.get("id"), "steps": 1}
    (args.out / "result.json").write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
