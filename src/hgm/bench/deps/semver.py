"""Cargo's version requirements (`"0.3"`, `"^1.2"`, `"~0.4.4"`, `">=1, <2"`, `"1.*"`)."""

from __future__ import annotations

import re

Version = tuple[int, int, int]
_COMPARATOR = re.compile(r"^\s*(\^|~|=|>=|<=|>|<)?\s*(\*|\d+)(?:\.(\*|\d+))?(?:\.(\*|\d+))?")


def parse_version(text: str) -> Version | None:
    """`1.2.3` (build metadata dropped) as a tuple; None for pre-releases and non-versions."""
    core = text.split("+", 1)[0]
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", core)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _bounds(op: str, parts: list[int | None]) -> tuple[Version, Version | None]:
    """(lowest allowed, first excluded or None) for one comparator; `1.2.*` is `=1.2`."""
    major, minor, patch = parts
    if major is None:
        return (0, 0, 0), None
    low = (major, minor or 0, patch or 0)
    if minor is None:
        next_up: Version = (major + 1, 0, 0)
    elif patch is None:
        next_up = (major, minor + 1, 0)
    else:
        next_up = (major, minor, patch + 1)
    if op in ("", "^"):
        if major > 0 or minor is None:
            return low, (major + 1, 0, 0)
        if minor > 0 or patch is None:
            return low, (0, minor + 1, 0)
        return low, (0, 0, patch + 1)
    if op == "~":
        return low, ((major + 1, 0, 0) if minor is None else (major, minor + 1, 0))
    if op == "=":
        return low, next_up
    if op == ">=":
        return low, None
    if op == ">":
        return next_up, None
    if op == "<":
        return (0, 0, 0), low
    return (0, 0, 0), next_up  # "<="


def matches(requirement: str, version: str) -> bool:
    """Whether `version` satisfies every comparator of `requirement` (Cargo's rules)."""
    parsed = parse_version(version)
    if parsed is None:
        return False
    for comparator in requirement.split(","):
        match = _COMPARATOR.match(comparator)
        if match is None or match.end() != len(comparator.rstrip()):
            return False
        raw = match.groups()[1:]
        numbers = [None if p in (None, "*") else int(p) for p in raw]
        op = "=" if "*" in raw[1:] and not match[1] else (match[1] or "")
        low, high = _bounds(op, numbers)
        if parsed < low or (high is not None and parsed >= high):
            return False
    return True
