"""Benchmark names resolved lazily to factories, so optional dependencies load only when chosen.

A factory is `factory(path: Path | None, sandbox: Sandbox | None, **options) -> Benchmark`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hgm.errors import UserError

if TYPE_CHECKING:
    from hgm.bench.types import Benchmark
    from hgm.sandbox.types import Sandbox

# name -> "module:factory"; one line per adapter.
BENCHMARKS: dict[str, str] = {
    "exercises": "hgm.bench.exercises:make_exercises",
    "polyglot": "hgm.bench.polyglot:make_polyglot",
    "humaneval": "hgm.bench.humaneval:make_humaneval",
    "swe-local": "hgm.bench.swe_local:make_swe_local",
    "swebench": "hgm.bench.swebench:make_swebench",
}


def benchmark_names() -> list[str]:
    return sorted(BENCHMARKS)


def _factory(name: str) -> Callable[..., Benchmark]:
    target = BENCHMARKS.get(name)
    if target is None:
        valid = ", ".join(benchmark_names())
        raise UserError(f"unknown benchmark {name!r}; valid names: {valid}")
    module_name, _, factory_name = target.partition(":")
    factory: Callable[..., Benchmark] = getattr(importlib.import_module(module_name), factory_name)
    return factory


def accepts_option(name: str, option: str) -> bool:
    """Whether benchmark `name`'s factory takes `option` (e.g. include_no_signal)."""
    return option in inspect.signature(_factory(name)).parameters


def make_benchmark(
    name: str,
    path: Path | None = None,
    sandbox: Sandbox | None = None,
    **options: object,
) -> Benchmark:
    """Build the benchmark called `name`; unknown names raise a UserError listing valid ones."""
    factory = _factory(name)
    params = inspect.signature(factory).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        allowed = sorted(set(params) - {"path", "sandbox"})
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise UserError(
                f"benchmark {name!r} has no option(s) {', '.join(unknown)}; "
                f"valid options: {', '.join(allowed) or '(none)'}"
            )
    return factory(path=path, sandbox=sandbox, **options)
