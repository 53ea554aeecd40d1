"""Decision and recording latency of the search at 1k, 10k and 100k agents. Prints JSON.

Trees are random (each agent's parent uniform among earlier agents) with 3 results
per agent on 60 tasks. Expansion decisions are timed with the widening saying
"expand" (N_t large enough for it), evaluation decisions with it saying "evaluate"
(many expansions running); every timed decision is checked to be of that kind.
`lineage_vs_hgm` is the ratio of the lineage policy's p50 to HGM's (target <= 2 at 10k).

    .venv/bin/python benchmarks/bench_search.py [--sizes 1000,10000,100000] [--repeats 200]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from hgm.search import (
    Evaluate,
    Expand,
    GreedyPolicyConfig,
    HGMPolicyConfig,
    LineagePolicyConfig,
    PolicyConfig,
    SearchState,
    Tree,
    make_policy,
)

TASKS = tuple(f"task-{i:04d}" for i in range(60))


def build_tree(n_agents: int, rng: np.random.Generator) -> Tree:
    tree = Tree()
    tree.add_agent(0, None)
    parents = rng.integers(0, np.arange(1, n_agents))
    for agent in range(1, n_agents):
        tree.add_agent(agent, int(parents[agent - 1]))
    for agent in range(n_agents):
        for task in rng.choice(len(TASKS), size=3, replace=False):
            tree.record(agent, TASKS[task], bool(rng.random() < 0.3))
    return tree


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    values = np.array(samples_ns) / 1e6
    return {"p50_ms": float(np.percentile(values, 50)), "p90_ms": float(np.percentile(values, 90))}


def time_decisions(
    tree: Tree, config: PolicyConfig, expand: bool, repeats: int, rng: np.random.Generator
) -> dict[str, float]:
    policy = make_policy(config)
    n = len(tree)
    # expand: N_t^0.6 >= |T| needs N_t >= n^(1/0.6); evaluate: |T| far above N_t^alpha
    evaluations = 2 * int(n ** (1 / 0.6)) if expand else 3 * n
    running = 0 if expand else 100 * n
    state = SearchState(
        budget=10 * evaluations + 100 * running,  # room for the lineage policy's reserve
        tasks=TASKS,
        workers=8,
        evaluations_started=evaluations,
        expansions_started=n + running,
    )
    state.expanding.update({job: 0 for job in range(running)})
    kind = Expand if expand else Evaluate
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        action = policy.decide(tree, state, rng)
        samples.append(time.perf_counter_ns() - start)
        assert isinstance(action, kind), (config.kind, action)
    return percentiles(samples)


def time_records(tree: Tree, repeats: int, rng: np.random.Generator) -> dict[str, float]:
    agents = rng.integers(0, len(tree), size=repeats)
    samples = []
    for i, agent in enumerate(agents):
        task = f"bench-{i}"
        start = time.perf_counter_ns()
        tree.record(int(agent), task, bool(i % 3 == 0))
        samples.append(time.perf_counter_ns() - start)
    result = percentiles(samples)
    return {"p50_us": result["p50_ms"] * 1e3, "p90_us": result["p90_ms"] * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    report: dict[str, object] = {"repeats": args.repeats}
    for size in (int(s) for s in args.sizes.split(",")):
        tree = build_tree(size, rng)
        depths = [tree.depth(a) for a in tree.agents()]
        entry: dict[str, object] = {"max_depth": max(depths)}
        for name, config in (
            ("hgm", HGMPolicyConfig()),
            ("lineage", LineagePolicyConfig()),
            ("greedy", GreedyPolicyConfig()),
        ):
            for what in ("expand", "evaluate"):
                entry[f"{name}_{what}"] = time_decisions(
                    tree, config, what == "expand", args.repeats, rng
                )
        entry["lineage_vs_hgm"] = {
            what: entry[f"lineage_{what}"]["p50_ms"] / entry[f"hgm_{what}"]["p50_ms"]  # type: ignore[index]
            for what in ("expand", "evaluate")
        }
        entry["record"] = time_records(tree, 10 * args.repeats, rng)
        report[str(size)] = entry
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
