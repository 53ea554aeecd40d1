"""The text protocol for models without native tool calls: one fenced `tool` block per reply.

```tool
{"name": "bash", "arguments": {"command": "ls"}}
```
"""

from __future__ import annotations

import json
import re
from typing import Any

from .tools import ToolError

TOOL_BLOCK = re.compile(r"^```tool[ \t]*\n(.*?)\n```[ \t]*$", re.DOTALL | re.MULTILINE)


def parse_tool_block(text: str) -> tuple[str, dict[str, Any]] | None:
    """The (name, arguments) of the first tool block in `text`; None if there is none.

    Raises ToolError when a block is there but is not a valid call, so the model can fix it.
    """
    match = TOOL_BLOCK.search(text)
    if match is None:
        return None
    try:
        call = json.loads(match.group(1))
    except json.JSONDecodeError as error:
        raise ToolError(f"the tool block is not valid JSON ({error})") from None
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        raise ToolError('the tool block must be {"name": "...", "arguments": {...}}')
    arguments = call.get("arguments", {})
    if not isinstance(arguments, dict):
        raise ToolError("the tool block's arguments must be a JSON object")
    return call["name"], arguments
