"""The study's numbers: per-cell means, paired comparisons with Holm-corrected p-values,
cost-to-match against faithful HGM with bootstrap intervals, guidance and decision cost.

Everything is computed from the runs alone (a JSON of runs can be re-analysed).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from hgm.sim.statistics import PAIRED_TEST, mean_ci95, paired_p_value
from hgm.sim.study import REFERENCE, StudyRun

BOOTSTRAP = 400
BOOTSTRAP_SEED = 20_251_021
ALPHA = 0.05

CellKey = tuple[str, int, int, float]
CurveKey = tuple[str, int, float, str]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: family-wise error control over all the comparisons."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(kept)) if kept else None


def _by_seed(runs: list[StudyRun]) -> dict[int, StudyRun]:
    return {r.run.seed: r for r in runs}


def analyze(runs: Sequence[StudyRun], policies: list[str]) -> dict[str, Any]:
    """The whole study summary (JSON-ready); `policies[0]` is the candidate."""
    candidate = policies[0]
    grid: dict[CellKey, dict[str, list[StudyRun]]] = defaultdict(lambda: defaultdict(list))
    curves: dict[CurveKey, dict[int, list[StudyRun]]] = defaultdict(lambda: defaultdict(list))
    for r in runs:
        if not r.ladder:
            grid[(r.world, r.budget, r.workers, r.cost)][r.run.policy].append(r)
        curves[(r.world, r.workers, r.cost, r.run.policy)][r.budget].append(r)
    cells = [_cell(key, grid[key], policies) for key in sorted(grid)]
    _adjust(cells, candidate)
    return {
        "candidate": candidate,
        "reference": REFERENCE,
        "test": PAIRED_TEST,
        "correction": f"Holm over all {_comparisons(cells)} comparisons of the candidate",
        "cells": cells,
        "cost_to_match": _cost_to_match(grid, curves, policies),
        "verdict": _verdict(cells, candidate, policies),
        "guidance": _guidance(runs, policies),
        "decision_us": {
            name: _mean([r.run.decide_us for r in runs if r.run.policy == name])
            for name in policies
        },
    }


def _cell(key: CellKey, by_policy: dict[str, list[StudyRun]], policies: list[str]) -> dict:
    world, budget, workers, cost = key
    entry: dict[str, Any] = {
        "world": world,
        "budget": budget,
        "workers": workers,
        "expansion_cost": cost,
        "policies": {},
        "comparisons": {},
    }
    for name in policies:
        group = sorted(by_policy.get(name, []), key=lambda r: r.run.seed)
        if not group:
            continue
        shipped = np.array([r.run.shipped_skill for r in group])
        mean, low, high = mean_ci95(shipped)
        entry["policies"][name] = {
            "shipped_skill_mean": mean,
            "ci95": [low, high],
            "oracle_skill_mean": float(np.mean([r.run.oracle_skill for r in group])),
            "evaluations_mean": float(np.mean([r.run.evaluations for r in group])),
            "expansions_mean": float(np.mean([r.run.expansions for r in group])),
            "total_cost_mean": float(np.mean([r.run.cost for r in group])),
            "agents_mean": float(np.mean([r.run.agents for r in group])),
            "guidance_mean": _mean([r.run.guidance for r in group]),
            "decide_us_mean": float(np.mean([r.run.decide_us for r in group])),
            "runs": len(group),
        }
    first = _by_seed(by_policy.get(policies[0], []))
    for name in policies[1:]:
        other = _by_seed(by_policy.get(name, []))
        seeds = sorted(set(first) & set(other))
        if len(seeds) < 2:
            continue
        differences = np.array(
            [first[s].run.shipped_skill - other[s].run.shipped_skill for s in seeds]
        )
        diff, low, high = mean_ci95(differences)
        entry["comparisons"][name] = {
            "diff": diff,
            "ci95": [low, high],
            "p_value": paired_p_value(differences),
            "seeds": len(seeds),
        }
    return entry


def _comparisons(cells: list[dict]) -> int:
    return sum(len(cell["comparisons"]) for cell in cells)


def _adjust(cells: list[dict], candidate: str) -> None:
    flat = [(cell, name) for cell in cells for name in cell["comparisons"]]
    adjusted = holm([cell["comparisons"][name]["p_value"] for cell, name in flat])
    for (cell, name), p in zip(flat, adjusted, strict=True):
        comparison = cell["comparisons"][name]
        comparison["p_holm"] = p
        significant = p < ALPHA
        comparison["outcome"] = (
            ("win" if comparison["diff"] > 0 else "loss") if significant else "no difference"
        )


def _verdict(cells: list[dict], candidate: str, policies: list[str]) -> dict[str, Any]:
    """Where the candidate wins or loses significantly (Holm), per policy compared."""
    verdict: dict[str, Any] = {}
    for name in policies[1:]:
        rows = [(cell, cell["comparisons"][name]) for cell in cells if name in cell["comparisons"]]
        losses = [
            {k: cell[k] for k in ("world", "budget", "workers", "expansion_cost")}
            | {"diff": c["diff"], "p_holm": c["p_holm"]}
            for cell, c in rows
            if c["outcome"] == "loss"
        ]
        verdict[name] = {
            "cells": len(rows),
            "wins": sum(1 for _, c in rows if c["outcome"] == "win"),
            "losses": len(losses),
            "losses_uncorrected": sum(1 for _, c in rows if c["diff"] < 0 and c["p_value"] < ALPHA),
            "worst_diff": min((c["diff"] for _, c in rows), default=None),
            "loss_cells": losses,
        }
    return verdict


def _cost_to_match(
    grid: dict[CellKey, dict[str, list[StudyRun]]],
    curves: dict[CurveKey, dict[int, list[StudyRun]]],
    policies: list[str],
) -> list[dict[str, Any]]:
    """For every policy but the reference, in every (world, workers, cost, budget B):
    the total cost at which its mean shipped skill first reaches the reference's at B,
    as a share of the reference's total cost (interpolated on log cost between the
    budgets the policy ran), with a paired bootstrap 95% interval over seeds."""
    if REFERENCE not in policies:
        return []
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    for (world, budget, workers, cost), by_policy in sorted(grid.items()):
        reference = _by_seed(by_policy.get(REFERENCE, []))
        for name in policies:
            if name == REFERENCE:
                continue
            ladder = curves.get((world, workers, cost, name), {})
            rungs = sorted(ladder)
            by_rung = [_by_seed(ladder[b]) for b in rungs]
            seeds = sorted(set(reference).intersection(*[set(r) for r in by_rung]))
            if len(seeds) < 2 or not rungs:
                continue
            target = np.array([reference[s].run.shipped_skill for s in seeds])
            reference_cost = float(np.mean([reference[s].run.cost for s in seeds]))
            skill = np.array([[rung[s].run.shipped_skill for s in seeds] for rung in by_rung])
            costs = np.array([np.mean([rung[s].run.cost for s in seeds]) for rung in by_rung])
            point, censored = _match(skill.mean(axis=1), costs, float(target.mean()))
            picks = rng.integers(0, len(seeds), size=(BOOTSTRAP, len(seeds)))
            boot = [
                _match(skill[:, pick].mean(axis=1), costs, float(target[pick].mean()))[0]
                for pick in picks
            ]
            low, high = np.percentile(boot, [2.5, 97.5])
            rows.append(
                {
                    "world": world,
                    "budget": budget,
                    "workers": workers,
                    "expansion_cost": cost,
                    "policy": name,
                    "target_skill": float(target.mean()),
                    "reference_cost": reference_cost,
                    "ladder": rungs,
                    "cost": point,
                    "ratio": point / reference_cost,
                    "ratio_ci95": [float(low) / reference_cost, float(high) / reference_cost],
                    "censored": censored,
                }
            )
    return rows


def _match(curve: np.ndarray, costs: np.ndarray, target: float) -> tuple[float, str | None]:
    """The first cost at which `curve` (mean skill per rung) reaches `target`.

    Returns (cost, None) when interpolated, (lowest cost, "at-most") when the lowest rung
    already reaches it, and (highest cost, "more-than") when no rung does.
    """
    reached = np.flatnonzero(curve >= target)
    if reached.size == 0:
        return float(costs[-1]), "more-than"
    j = int(reached[0])
    if j == 0:
        return float(costs[0]), "at-most"
    below, above = curve[j - 1], curve[j]
    share = (target - below) / (above - below)
    log_cost = math.log(costs[j - 1]) + share * (math.log(costs[j]) - math.log(costs[j - 1]))
    return math.exp(log_cost), None


def _guidance(runs: Sequence[StudyRun], policies: list[str]) -> dict[str, dict[str, Any]]:
    """Mean guidance correlation per world and policy (grid runs only)."""
    table: dict[str, dict[str, list[float | None]]] = defaultdict(lambda: defaultdict(list))
    for r in runs:
        if not r.ladder:
            table[r.world][r.run.policy].append(r.run.guidance)
    return {
        world: {name: _mean(by_policy.get(name, [])) for name in policies}
        for world, by_policy in sorted(table.items())
    }


def best_separating(rows: list[dict[str, Any]], policy: str) -> list[dict[str, Any]]:
    """Per (world, workers, cost): the budget where `policy`'s cost-to-match ratio is lowest."""
    best: dict[tuple[str, int, float], dict[str, Any]] = {}
    for row in rows:
        if row["policy"] != policy:
            continue
        key = (row["world"], row["workers"], row["expansion_cost"])
        if key not in best or row["ratio"] < best[key]["ratio"]:
            best[key] = row
    return [best[key] for key in sorted(best)]
