"""The agent's own log: one JSON object per line, appended and flushed as it happens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class Trajectory:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    def write(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as log:
            log.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
