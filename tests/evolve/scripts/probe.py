"""Search everything a sandboxed agent can read for two strings (given reversed)."""

import contextlib
import json
import os
import sys
from pathlib import Path

secret, canary = (text[::-1].encode() for text in sys.argv[1:3])
found: dict[str, list[str]] = {"secret": [], "canary": []}


def look(label: str, data: bytes) -> None:
    for name, needle in (("secret", secret), ("canary", canary)):
        if needle in data:
            found[name].append(label)


for key, value in os.environ.items():
    look(f"env:{key}", f"{key}={value}".encode())
for proc in Path("/proc").iterdir():
    if proc.name.isdigit():
        for part in ("environ", "cmdline"):
            with contextlib.suppress(OSError):
                look(str(proc / part), (proc / part).read_bytes())
for root in ("/tmp", "/hgm", str(Path.cwd().parent)):
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size < 4_000_000:
                with contextlib.suppress(OSError):
                    look(str(path), path.read_bytes())
found["token_in_env"] = [str("HGM_LLM_API_KEY" in os.environ)]
print("PROBE " + json.dumps(found))
