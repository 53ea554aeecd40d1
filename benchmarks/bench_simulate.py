"""Wall time of a policy comparison (the work behind `hgm simulate`). Prints JSON.

Default: 4 policies x 200 seeds x budget 800 on the drift world, 4 workers, all cores.

    .venv/bin/python benchmarks/bench_simulate.py [--seeds 200] [--budget 800]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

from hgm.engine import Budget, Engine
from hgm.search import make_policy
from hgm.sim.compare import SimSetup, compare, policy_configs
from hgm.sim.config import world_config
from hgm.sim.worlds import make_world


def single_run_ms(policy: str, budget: int, repeats: int = 20) -> float:
    """Median CPU time of one virtual-time run (no selection, no process pool)."""
    config = policy_configs(policy)[policy]
    samples = []
    for seed in range(repeats):
        world = make_world(world_config("drift"), seed)
        start = time.process_time()
        Engine(world, make_policy(config), Budget(budget), 4, seed).run()
        samples.append(time.process_time() - start)
    return 1e3 * sorted(samples)[len(samples) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", default="drift")
    parser.add_argument("--policies", default="hgm,dgm,sica,greedy")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--budget", type=int, default=800)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    policies = policy_configs(args.policies)
    setup = SimSetup(world_config(args.world), args.budget, args.workers, "best-belief")
    start = time.perf_counter()
    runs = compare(setup, policies, range(args.seeds))
    wall = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = children.ru_utime + children.ru_stime
    processes = os.cpu_count() or 1
    report = {
        "world": args.world,
        "policies": list(policies),
        "seeds": args.seeds,
        "budget": args.budget,
        "workers": args.workers,
        "processes": processes,
        "runs": len(runs),
        "wall_s": wall,
        "worker_cpu_s": cpu,
        "wall_s_if_cores_were_idle": cpu / processes,
        "load_average_1min": os.getloadavg()[0],
        "single_run_cpu_ms_median": {name: single_run_ms(name, args.budget) for name in policies},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
