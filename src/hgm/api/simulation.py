"""`hgm.simulate`: compare search policies on simulated self-improving agents from Python,
the same comparison as `hgm simulate` (paired seeds, docs/simulate.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hgm.api.records import Records
from hgm.errors import UserError
from hgm.sim.compare import SimRun


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """One policy over every seed: the mean true skill of the agent it shipped with a 95%
    CI, the paired difference against the first policy (CI, p-value; None for the first),
    the best skill in its trees (`oracle`), agents, failed expansions, evaluations and
    expansions started, their total cost (evaluations + C x expansions), its guidance
    quality and its decision cost (docs/simulate.md)."""

    policy: str
    shipped_skill_mean: float
    ci95: tuple[float, float]
    diff_vs_first: float
    diff_ci95: tuple[float, float]
    p_value_vs_first: float | None
    oracle_skill_mean: float
    agents_mean: float
    failed_expansions_mean: float
    evaluations_mean: float
    expansions_mean: float
    total_cost_mean: float
    guidance_mean: float | None
    decide_us_mean: float | None
    runs: int


@dataclass(frozen=True, slots=True)
class Simulation:
    """What `hgm.simulate` found: per policy (`policies`) and per run (`runs`)."""

    world: dict[str, Any]
    budget: int
    workers: int
    seeds: tuple[int, ...]
    select: str
    epsilon: float
    expansion_cost: float
    test: str
    policies: Records[PolicySummary]
    runs: Records[SimRun]
    summary: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """The document `hgm simulate --json` writes."""
        return {
            "world": self.world,
            "budget": self.budget,
            "workers": self.workers,
            "seeds": list(self.seeds),
            "select": self.select,
            "epsilon": self.epsilon,
            "expansion_cost": self.expansion_cost,
            "test": self.test,
            "policies": self.summary,
            "per_run": [asdict(run) for run in self.runs],
        }

    def plot(self, path: str | Path) -> Path:
        """A PNG of the shipped skill per policy with its CI and the oracle (`--plot`)."""
        from hgm.sim.plot import plot_comparison

        title = f"{self.world['kind']}: budget {self.budget}, {len(self.seeds)} seeds"
        plot_comparison(self.summary, f"{title}, {self.select}", Path(path))
        return Path(path)


def _policy_row(name: str, entry: Mapping[str, Any]) -> PolicySummary:
    return PolicySummary(
        policy=name,
        shipped_skill_mean=entry["shipped_skill_mean"],
        ci95=tuple(entry["ci95"]),  # type: ignore[arg-type]
        diff_vs_first=entry["diff_vs_first"],
        diff_ci95=tuple(entry["diff_ci95"]),  # type: ignore[arg-type]
        p_value_vs_first=entry["p_value_vs_first"],
        oracle_skill_mean=entry["oracle_skill_mean"],
        agents_mean=entry["agents_mean"],
        failed_expansions_mean=entry["failed_expansions_mean"],
        evaluations_mean=entry["evaluations_mean"],
        expansions_mean=entry["expansions_mean"],
        total_cost_mean=entry["total_cost_mean"],
        guidance_mean=entry["guidance_mean"],
        decide_us_mean=entry["decide_us_mean"],
        runs=entry["runs"],
    )


def simulate(
    world: str = "drift",
    policies: str | Sequence[str] = ("hgm", "dgm", "sica", "greedy", "random"),
    *,
    seeds: int = 50,
    seed_start: int = 0,
    budget: int = 150,
    workers: int = 4,
    params: Mapping[str, Any] | None = None,
    select: str = "policy",
    epsilon: float = 0.01,
    expansion_cost: float = 0.0,
    processes: int = 0,
    progress: bool = True,
) -> Simulation:
    """Run every policy on `seeds` paired simulated worlds of family `world` (drift,
    mismatch, tasks, fragile, rare, clustered, timing; `params` set its parameters) with a
    budget of `budget` evaluation units on `workers` simulated workers, each expansion
    started charged `expansion_cost` units (0: the paper's accounting), and ship by
    `select` ("policy": each policy's own rule). Policies are kinds with optional knobs
    (`"hgm:cool_down=false"`, `"default"`); the first is the reference for paired
    differences. `processes` worker processes (0: all cores)."""
    from hgm.search import SELECTION_RULES
    from hgm.sim.compare import SimSetup, compare, policy_configs
    from hgm.sim.config import world_config
    from hgm.sim.statistics import PAIRED_TEST, summarize

    names = policies if isinstance(policies, str) else ",".join(policies)
    config = world_config(world, [f"{key}={value}" for key, value in (params or {}).items()])
    chosen = policy_configs(names)
    if select not in (*SELECTION_RULES, "policy"):
        allowed = ", ".join((*SELECTION_RULES, "policy"))
        raise UserError(f"unknown selection rule {select!r}; allowed: {allowed}")
    for name, value, low in (("seeds", seeds, 1), ("budget", budget, 1), ("workers", workers, 1)):
        if value < low:
            raise UserError(f"{name} must be >= {low}, given {value}")
    if processes < 0:
        raise UserError(f"processes must be >= 0, given {processes}")
    if not 0.0 < epsilon < 0.5:
        raise UserError(f"epsilon must be in (0, 0.5), given {epsilon}")
    setup = SimSetup(
        world=config,
        budget=budget,
        workers=workers,
        select=select,
        epsilon=epsilon,
        expansion_cost=expansion_cost,
    )
    seed_list = tuple(range(seed_start, seed_start + seeds))
    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = Progress(
            TextColumn("simulating"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        task = bar.add_task("seeds", total=seeds)
        bar.start()
    try:
        runs = compare(
            setup,
            chosen,
            seed_list,
            processes or None,
            on_seed_done=(lambda: bar.advance(task)) if bar is not None else None,
        )
    finally:
        if bar is not None:
            bar.stop()
    summary = summarize(runs, list(chosen))
    return Simulation(
        world=config.model_dump(),
        budget=budget,
        workers=workers,
        seeds=seed_list,
        select=select,
        epsilon=epsilon,
        expansion_cost=expansion_cost,
        test=PAIRED_TEST,
        policies=Records(PolicySummary, (_policy_row(n, e) for n, e in summary.items())),
        runs=Records(SimRun, runs),
        summary=summary,
    )
