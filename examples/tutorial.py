# %% [markdown]
# # hgm from Python: simulate policies, run the quick start, analyse the run
#
# A notebook in plain Python: run it as a script from the repository root
# (`.venv/bin/python examples/tutorial.py`, a few minutes, offline), or open it as a
# notebook (VS Code, or JupyterLab with jupytext: every `# %%` line starts a cell).
# It needs pandas: `pip install -e '.[pandas]'`. docs/api.md describes every name used.
# `tests/api/test_tutorial.py` runs it with the smaller parameters of its environment.

# %% Parameters
import os
from pathlib import Path

SEEDS = int(os.environ.get("HGM_TUTORIAL_SEEDS", "40"))  # paired simulated worlds
QUICKSTART_EVALS = int(os.environ.get("HGM_TUTORIAL_EVALS", "60"))  # the quick start's budget
CERTIFY_TASKS = os.environ.get("HGM_TUTORIAL_CERTIFY", "held-out")  # or a number N
OUT = Path(os.environ.get("HGM_TUTORIAL_OUT", "runs/tutorial"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. Compare search policies at zero cost
#
# Simulated agents have a hidden skill and an inherited productivity; every policy meets
# the same worlds (paired seeds). The table shows the true skill of the agent each policy
# ships, with a 95% CI, and the paired difference against HGM.

# %%
import hgm

sim = hgm.simulate(world="drift", policies=["hgm", "greedy", "dgm"], seeds=SEEDS, budget=150)
policies = sim.policies.to_pandas()
print(policies[["policy", "shipped_skill_mean", "ci95", "p_value_vs_first", "agents_mean"]])
sim.plot(OUT / "policies.png")

# %% [markdown]
# ## 2. Run the quick start
#
# Real self-modifying agents, the real sandbox, git and grading on HumanEval, with the
# offline scripted model (docs/self-improvement.md). `hgm.start` checks the set-up first,
# shows the live progress of `hgm run`, and returns when the budget is spent.

# %%
run = hgm.start(
    "examples/quickstart.toml",
    run_dir=OUT / "quickstart",
    overrides={"budget.task_evals": QUICKSTART_EVALS},
)
print(run.outcome)
best = run.best()
print(f"the run ships agent {best.agent}: {best.mean:.2f} over {best.evaluations} evaluations")

# %% [markdown]
# ## 3. The results as DataFrames
#
# One row per agent (own and clade counts: the tree) and one per evaluation; the
# expansions say what each agent was made from.

# %%
agents = run.agents().to_pandas()
agents["evaluations"] = agents["successes"] + agents["failures"]
agents["own_mean"] = agents["successes"] / agents["evaluations"].where(agents["evaluations"] > 0)
print(agents[["agent", "parent", "depth", "successes", "failures", "clade_successes", "own_mean"]])

evaluations = run.evaluations().to_pandas()
print(evaluations.groupby("agent")["success"].agg(["sum", "count", "mean"]))

expansions = run.expansions().to_pandas()
expansions["problem"] = [d.get("problem_statement", "")[:80] for d in expansions["details"]]
print(expansions[["child", "parent", "admitted", "reason", "problem"]])
print(run.costs())

# %% [markdown]
# ## 4. Progress over the run
#
# The agent the run would ship after each evaluation, its posterior interval, the best own
# mean in the tree, and the running success rate of all evaluations.

# %%
import matplotlib.pyplot as plt

curve = run.progress().to_pandas()
figure, axes = plt.subplots(figsize=(7, 4))
axes.plot(curve["evaluations"], curve["shipped_mean"], label="shipped agent: own mean")
axes.fill_between(
    curve["evaluations"], curve["shipped_low"], curve["shipped_high"], alpha=0.2,
    label="its posterior interval",
)  # fmt: skip
axes.plot(curve["evaluations"], curve["best_own_mean"], "--", label="best own mean in the tree")
running = evaluations["success"].expanding().mean()
axes.plot(range(1, len(running) + 1), running, ":", label="all evaluations: success rate")
axes.set_xlabel("evaluations")
axes.set_ylabel("success rate")
axes.set_ylim(0, 1.05)
axes.legend(loc="lower right", fontsize="small")
figure.tight_layout()
figure.savefig(OUT / "progress.png", dpi=110)

# %% [markdown]
# ## 5. Certify the shipped agent
#
# The shipped agent and the root on held-out tasks the search never saw: resolved rates
# with Wilson intervals, the paired difference with Newcombe's interval, exact McNemar.

# %%
result = run.certify(tasks=CERTIFY_TASKS)
print(f"agent {result.agent}: {result.agent_rate.resolved}/{result.agent_rate.tasks}")
print(f"root {result.root}: {result.root_rate.resolved}/{result.root_rate.tasks}")
low, high = result.difference.ci95
print(f"difference {result.difference.estimate:+.2f} [{low:+.2f}, {high:+.2f}]")
print(f"McNemar p = {result.difference.mcnemar_p:.2g}")
