"""Every text the model reads, in one place: the system prompt, the task message, reminders."""

from __future__ import annotations

import json
from typing import Any

SYSTEM_PROMPT = """\
You are an expert software engineer working alone in a repository on a coding task.
You act only through tools: `bash` (a persistent shell that starts in the repository),
`editor` (view files with line numbers, create files, replace a unique string, insert lines,
undo an edit) and `finish` (end the task with a short summary).

How to work:
1. Read the task. Explore the repository: list files, read the relevant code and tests.
2. Make a plan. Keep changes small and focused on what the task asks; do not edit tests
   unless the task says so.
3. Edit the code with the editor. After each edit, check the snippet it shows you.
4. Verify: run the visible tests if there are any, or a quick script that exercises your
   change. Read failures carefully and fix the cause.
5. When the work is done and checked, call `finish` with a summary.

Call one tool at a time and look at its result before the next step. There is no user to
answer questions: decide for yourself. You have a limited number of steps, so be efficient."""

TEXT_PROTOCOL = """

Your replies cannot carry native tool calls. To call a tool, end your reply with exactly one
fenced block tagged `tool` holding a JSON object with the tool's name and arguments, like:

```tool
{{"name": "bash", "arguments": {{"command": "ls -la"}}}}
```

Only the first block of a reply is run; its result comes back in the next message. Escape
newlines and quotes inside JSON strings. The tools:

{tools}"""

NO_TOOL_CALL = (
    "Your reply called no tool. Continue the task with a tool call, or call `finish` with a "
    "summary if you are done."
)

TOOLS_IGNORED = (
    "Your replies carry no tool calls, so from now on call tools with a fenced `tool` block "
    "as the system message describes, for example:\n```tool\n"
    '{"name": "bash", "arguments": {"command": "ls"}}\n```'
)


def cut_off(max_tokens: int | None) -> str:
    """The reply to a reply that hit its token limit before it made a tool call."""
    limit = f" ({max_tokens} tokens)" if max_tokens else ""
    return (
        f"Your reply was cut off at the length limit{limit} before it made a tool call. Reply "
        "shorter: a sentence at most, then one tool call. Write big files in several steps."
    )


def system_prompt(text_mode: bool, tool_schemas: list[dict[str, Any]]) -> str:
    if not text_mode:
        return SYSTEM_PROMPT
    described = "\n\n".join(
        f"- {s['function']['name']}: {s['function']['description']}\n"
        f"  parameters (JSON schema): {json.dumps(s['function']['parameters'])}"
        for s in tool_schemas
    )
    return SYSTEM_PROMPT + TEXT_PROTOCOL.format(tools=described)


def task_message(task: dict[str, Any], repo: str, max_steps: int) -> str:
    parts = [
        f"Task {task.get('id', '')} ({task.get('language', 'unknown language')}).",
        f"The repository is at {repo} (the shell starts there). You have {max_steps} steps.",
        "",
        str(task.get("instructions", "")).strip(),
    ]
    if task.get("test_command"):
        parts += ["", f"Visible tests: run `{task['test_command']}` from the repository root."]
    return "\n".join(parts)


def tool_result_message(name: str, output: str) -> str:
    """How a tool result reads when it is sent as plain text (text protocol)."""
    return f"Result of `{name}`:\n{output}"
