"""Missing components: a skip on a developer's machine, a failure where all must be present.

Tests that need something outside Python (bubblewrap, cgroup limits, a toolchain the
benchmarks grade, Chromium, Ray, the local LLM server) call `need(component, problem)`
with `problem` None when it works here. Under CI (`CI=true`) or `HGM_TESTS_STRICT=1` a
missing component fails the test instead of skipping it, so the suite cannot go green by
skipping; the README's test command installs every such component.
"""

from __future__ import annotations

import os

import pytest

TRUE = {"1", "true", "yes", "on"}


def strict() -> bool:
    """True when a missing required component must fail the test run."""
    return (
        os.environ.get("CI", "").strip().lower() in TRUE
        or os.environ.get("HGM_TESTS_STRICT", "").strip().lower() in TRUE
    )


def need(component: str, problem: str | None) -> None:
    """Skip (fail, when strict) unless `problem` is None."""
    if problem is None:
        return
    message = f"{component} unavailable here: {problem}"
    if strict():
        pytest.fail(f"required component missing (strict mode): {message}", pytrace=False)
    pytest.skip(message)
