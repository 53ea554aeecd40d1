"""The real-world check: the offline quick start with two policies, certified. Prints JSON.

For each seed, `examples/quickstart.toml` runs once with each policy (the same world:
the same tasks, scripted model and held-out set; only `[run] seed` and `[policy] kind`
change), then `hgm certify` grades the agent each run ships on the 30 held-out tasks.
The result is the paired difference of the certified held-out rates (second policy
minus first) with a Student-t 95% CI over seeds, plus each run's agents, expansions,
wall time and rates. Runs go one after another (they use the sandbox and both cores).

    .venv/bin/python benchmarks/bench_quickstart_policies.py [--seeds 10] \
        [--policies hgm,default] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart.toml"


def config_text(seed: int, policy: str) -> str:
    """The quick start config with `seed` and `policy` put in; each policy ships by its own
    final rule (`[select] rule = "policy"`: best-belief for hgm, lineage for the default)."""
    text = QUICKSTART.read_text()
    text, seeds = re.subn(r"(?m)^seed = 0\b", f"seed = {seed}", text, count=1)
    text, kinds = re.subn(r'(?m)^kind = "hgm"', f'kind = "{policy}"', text, count=1)
    text, rules = re.subn(r'(?m)^rule = "best-belief"', 'rule = "policy"', text, count=1)
    if (seeds, kinds, rules) != (1, 1, 1):
        raise SystemExit("examples/quickstart.toml changed: cannot set seed, policy and rule")
    return text


def hgm(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hgm", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done


def one_run(seed: int, policy: str, work: Path) -> dict[str, object]:
    config = work / f"quickstart-{policy}-{seed}.toml"
    config.write_text(config_text(seed, policy))
    run_dir = work / f"run-{policy}-{seed}"
    started = time.perf_counter()
    hgm("run", str(config), "--run-dir", str(run_dir))
    run_s = time.perf_counter() - started
    status = json.loads(hgm("status", str(run_dir), "--json").stdout)
    started = time.perf_counter()
    certified = json.loads(hgm("certify", str(run_dir), "--json").stdout)
    return {
        "seed": seed,
        "policy": policy,
        "run_s": run_s,
        "certify_s": time.perf_counter() - started,
        "status": status,
        "agent": certified["agent"]["agent"],
        "agent_rate": certified["agent"]["rate"],
        "root_rate": certified["root"]["rate"],
        "heldout_tasks": certified["tasks"]["count"],
        "difference_vs_root": certified["difference"]["estimate"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--policies", default="hgm,default")
    parser.add_argument("--keep", type=Path, default=None, help="keep the run directories here")
    args = parser.parse_args()
    first, second = args.policies.split(",")
    work = args.keep or Path(tempfile.mkdtemp(prefix="hgm-quickstart-policies-"))
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    load = []
    try:
        for seed in range(args.seed_start, args.seed_start + args.seeds):
            for policy in (first, second):
                load.append(os.getloadavg()[0])
                runs.append(one_run(seed, policy, work))
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    rate = {(r["policy"], r["seed"]): r["agent_rate"] for r in runs}
    seeds = sorted({r["seed"] for r in runs})
    differences = [rate[(second, s)] - rate[(first, s)] for s in seeds]  # type: ignore[operator]
    mean = sum(differences) / len(differences)
    sd = stats.tstd(differences) if len(differences) > 1 else 0.0
    half = stats.t.ppf(0.975, len(differences) - 1) * sd / math.sqrt(len(differences))
    p_value = float(stats.ttest_1samp(differences, 0.0).pvalue) if sd > 0 else 1.0
    report = {
        "policies": [first, second],
        "seeds": seeds,
        "certified_rate_mean": {
            name: sum(rate[(name, s)] for s in seeds) / len(seeds)  # type: ignore[misc]
            for name in (first, second)
        },
        "difference": f"{second} - {first}, certified held-out rate of the shipped agent",
        "difference_mean": mean,
        "difference_ci95": [mean - half, mean + half],
        "p_value": p_value,
        "test": "paired t-test over seeds, two-sided",
        "load_average_1min": load,
        "runs": runs,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
