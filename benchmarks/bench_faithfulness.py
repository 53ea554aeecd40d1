"""Faithfulness of the HGM implementation in simulation. Prints JSON.

1. On the drift world (budget 150, 200 paired seeds), HGM ships more true skill than
   greedy (own-count Thompson sampling): mean paired difference and p-value.
2. Agents created by HGM grow as budget^alpha (alpha = 0.6): the fitted log-log slope.

    .venv/bin/python benchmarks/bench_faithfulness.py [--seeds 200] [--budget 150] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from hgm.search import HGMPolicyConfig
from hgm.sim.compare import SimSetup, compare, policy_configs
from hgm.sim.config import world_config
from hgm.sim.statistics import PAIRED_TEST, summarize

GROWTH_BUDGETS = (50, 100, 200, 400, 800, 1600, 3200)


def hgm_vs_greedy(args: argparse.Namespace) -> dict[str, object]:
    setup = SimSetup(world_config("drift"), args.budget, args.workers, args.select)
    policies = policy_configs("hgm,greedy")
    runs = compare(setup, policies, range(args.seeds))
    summary = summarize(runs, ["hgm", "greedy"])
    return {
        "world": "drift",
        "budget": args.budget,
        "workers": args.workers,
        "seeds": args.seeds,
        "select": args.select,
        "hgm_shipped": summary["hgm"]["shipped_skill_mean"],
        "greedy_shipped": summary["greedy"]["shipped_skill_mean"],
        "hgm_minus_greedy": -summary["greedy"]["diff_vs_first"],
        "diff_ci95": [-summary["greedy"]["diff_ci95"][1], -summary["greedy"]["diff_ci95"][0]],
        "p_value": summary["greedy"]["p_value_vs_first"],
        "test": PAIRED_TEST,
        "hgm_oracle": summary["hgm"]["oracle_skill_mean"],
        "greedy_oracle": summary["greedy"]["oracle_skill_mean"],
    }


def agents_vs_budget(args: argparse.Namespace) -> dict[str, object]:
    alpha = HGMPolicyConfig().alpha
    means = []
    for budget in GROWTH_BUDGETS:
        setup = SimSetup(world_config("drift"), budget, args.workers, args.select)
        runs = compare(setup, {"hgm": HGMPolicyConfig()}, range(args.growth_seeds))
        # |T| of the widening rule: agents except the root, plus failed expansions
        means.append(float(np.mean([r.agents - 1 + r.failed_expansions for r in runs])))
    slope, _ = np.polyfit(np.log(GROWTH_BUDGETS), np.log(means), 1)
    return {
        "budgets": list(GROWTH_BUDGETS),
        "expansions_mean": means,
        "budget_pow_alpha": [b**alpha for b in GROWTH_BUDGETS],
        "fitted_exponent": float(slope),
        "alpha": alpha,
        "seeds": args.growth_seeds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--budget", type=int, default=150)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--select", default="best-belief")
    parser.add_argument("--growth-seeds", type=int, default=10)
    args = parser.parse_args()
    start = time.perf_counter()
    report = {"hgm_vs_greedy": hgm_vs_greedy(args), "agents_vs_budget": agents_vs_budget(args)}
    report["wall_s"] = time.perf_counter() - start
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
