"""Benchmark names resolved lazily to factories, so optional dependencies load only when chosen.

A factory is `factory(path: Path | None, sandbox: Sandbox | None, **options) -> Benchmark`.
Besides the built-in adapters, any installed distribution can add benchmarks through the
entry point group `hgm.benchmarks` (`name = "module:factory"`, docs/api.md): `pip install`
it and `hgm bench list`, `hgm bench check NAME` and `[world.bench] name = "NAME"` find it.
A plugin cannot replace a built-in name.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from hgm.errors import UserError

if TYPE_CHECKING:
    from hgm.bench.types import Benchmark
    from hgm.sandbox.types import Sandbox

ENTRY_POINT_GROUP = "hgm.benchmarks"

# name -> "module:factory"; one line per adapter.
BENCHMARKS: dict[str, str] = {
    "exercises": "hgm.bench.exercises:make_exercises",
    "polyglot": "hgm.bench.polyglot:make_polyglot",
    "humaneval": "hgm.bench.humaneval:make_humaneval",
    "swe-local": "hgm.bench.swe_local:make_swe_local",
    "swebench": "hgm.bench.swebench:make_swebench",
}


@dataclass(frozen=True, slots=True)
class BenchmarkSource:
    """Where a benchmark name comes from: hgm itself, or an installed distribution."""

    name: str
    target: str
    distribution: str | None = None
    version: str | None = None

    @property
    def builtin(self) -> bool:
        return self.distribution is None

    def describe(self) -> str:
        if self.builtin:
            return "built-in"
        return f"plugin: {self.distribution} {self.version or ''}".rstrip()


def _plugin_source(point: EntryPoint) -> BenchmarkSource:
    dist = point.dist
    return BenchmarkSource(
        point.name,
        point.value,
        dist.metadata["Name"] if dist is not None else "(unknown distribution)",
        dist.version if dist is not None else None,
    )


def plugin_sources() -> list[BenchmarkSource]:
    """Every benchmark the installed distributions declare, built-in names included."""
    return [_plugin_source(point) for point in entry_points(group=ENTRY_POINT_GROUP)]


def benchmark_sources() -> dict[str, BenchmarkSource]:
    """Every usable benchmark name: the built-ins, then plugins (a plugin that takes a
    built-in's name is left out; `shadowed_plugins` lists it)."""
    found = {name: BenchmarkSource(name, target) for name, target in BENCHMARKS.items()}
    for source in plugin_sources():
        found.setdefault(source.name, source)
    return dict(sorted(found.items()))


def shadowed_plugins() -> list[BenchmarkSource]:
    """Plugins that declare a built-in benchmark's name (and are therefore ignored)."""
    return [source for source in plugin_sources() if source.name in BENCHMARKS]


def benchmark_names() -> list[str]:
    return list(benchmark_sources())


def _factory(name: str) -> Callable[..., Benchmark]:
    source = benchmark_sources().get(name)
    if source is None:
        valid = ", ".join(benchmark_names())
        raise UserError(f"unknown benchmark {name!r}; valid names: {valid}")
    module_name, _, factory_name = source.target.partition(":")
    try:
        module = importlib.import_module(module_name)
        factory: Callable[..., Benchmark] = getattr(module, factory_name)
    except (ImportError, AttributeError) as error:
        if source.builtin:
            raise
        raise UserError(
            f"benchmark {name!r} ({source.describe()}) cannot be loaded from "
            f"{source.target!r}: {error}"
        ) from None
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
