"""The text protocol for models without native tool calls: one fenced `tool` block per reply.

```tool
{"name": "bash", "arguments": {"command": "ls"}}
```

Small models rarely write exactly that, so the parser also takes what they do write:
a block tagged `json`, `tool_call` or nothing; `<tool_call>...</tool_call>` tags; a block
cut off at the end of the reply; a bare JSON object with a "name"; the keys `tool`,
`tool_name` or `function` for the name and `args`, `parameters`, `params` or `input` for
the arguments (or the arguments given next to the name); arguments as a JSON string;
single quotes, Python literals and trailing commas; and, when nothing else is there, a
```bash block, run as the bash tool's command.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from .tools import ToolError

FENCE = re.compile(r"```[ \t]*([A-Za-z_]*)[ \t]*\n(.*?)(\n```|\Z)", re.DOTALL)
TAGGED = re.compile(r"<(tool_call|tool)>\s*(.*?)\s*(</\1>|\Z)", re.DOTALL)
CALL_TAGS = ("tool", "tool_call", "json", "")
SHELL_TAGS = ("bash", "sh", "shell", "console")
NAME_KEYS = ("name", "tool", "tool_name", "function")
ARGUMENT_KEYS = ("arguments", "args", "parameters", "params", "input")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _loads(text: str) -> Any:
    """JSON, or failing that the same text repaired: trailing commas, Python literals."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        first = error
    cleaned = _TRAILING_COMMA.sub(r"\1", text)
    try:
        return json.loads(cleaned)
    except json.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(cleaned)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise first from None


def _object_text(text: str, cut_off: bool) -> str:
    """From the first `{` to its matching `}`; to the end, closed, when the reply was
    `cut_off` (it hit its token limit) inside the object."""
    start = text.find("{")
    if start < 0:
        return text
    depth, quote, escaped = 0, "", False
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    return text[start:] + (quote + "}" * max(depth, 0) if cut_off else "")


def as_call(data: Any) -> tuple[str, dict[str, Any]] | None:
    """(name, arguments) from a decoded call in any of the shapes above; None if not one."""
    if not isinstance(data, dict):
        return None
    name_key = next((key for key in NAME_KEYS if key in data), None)
    if name_key is None:
        return None
    name = data[name_key]
    rest = {key: value for key, value in data.items() if key != name_key}
    if isinstance(name, dict):  # {"function": {"name": ..., "arguments": ...}}
        return as_call(name)
    if not isinstance(name, str) or not name:
        return None
    argument_key = next((key for key in ARGUMENT_KEYS if key in rest), None)
    arguments = rest[argument_key] if argument_key is not None else rest
    if isinstance(arguments, str):
        try:
            arguments = _loads(arguments) if arguments.strip() else {}
        except (json.JSONDecodeError, ValueError):
            raise ToolError("the tool block's arguments must be a JSON object") from None
    if not isinstance(arguments, dict):
        raise ToolError("the tool block's arguments must be a JSON object")
    return name, arguments


def _decode(body: str, strict: bool, cut_off: bool) -> tuple[str, dict[str, Any]] | None:
    """The call in a block's body; a ToolError when `strict` (the block says it is a call)
    or when it looks like a call that cannot be read."""
    try:
        data = _loads(_object_text(body.strip(), cut_off))
    except (json.JSONDecodeError, ValueError) as error:
        if strict or any(f'"{key}"' in body for key in NAME_KEYS):
            raise ToolError(f"the tool block is not valid JSON ({error})") from None
        return None
    call = as_call(data)
    if call is None and strict:
        raise ToolError('the tool block must be {"name": "...", "arguments": {...}}')
    return call


def parse_tool_block(text: str) -> tuple[str, dict[str, Any]] | None:
    """The (name, arguments) of the first tool call in `text`; None if there is none.

    Raises ToolError when a block is there but is not a valid call, so the model can fix it.
    """
    blocks = [
        (m.start(), m.group(1).lower(), m.group(2), not m.group(3)) for m in FENCE.finditer(text)
    ]
    blocks += [(m.start(), "tool", m.group(2), not m.group(3)) for m in TAGGED.finditer(text)]
    blocks.sort(key=lambda block: block[0])
    for _, tag, body, cut_off in blocks:
        if tag in CALL_TAGS:
            call = _decode(body, tag in ("tool", "tool_call"), cut_off)
            if call is not None:
                return call
    if "{" in text and not blocks:
        call = _decode(text, strict=False, cut_off=True)
        if call is not None:
            return call
    for _, tag, body, _ in blocks:
        if tag in SHELL_TAGS and body.strip():
            return "bash", {"command": body.strip()}
    return None
