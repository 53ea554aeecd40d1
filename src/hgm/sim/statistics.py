"""Summaries of a comparison: means with 95% CIs and paired differences against the first policy."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
from scipy import stats

from hgm.sim.compare import SimRun

PAIRED_TEST = "paired t-test, two-sided"


def mean_ci95(values: np.ndarray) -> tuple[float, float, float]:
    """The mean and its Student-t 95% confidence interval (a point interval for one value)."""
    mean = float(np.mean(values))
    if values.size < 2:
        return mean, mean, mean
    half = float(
        stats.t.ppf(0.975, values.size - 1) * np.std(values, ddof=1) / math.sqrt(values.size)
    )
    return mean, mean - half, mean + half


def paired_p_value(differences: np.ndarray) -> float:
    """Two-sided paired t-test p-value of mean difference 0 (1.0 when every difference is 0)."""
    if differences.size < 2 or not np.any(differences != differences[0]):
        return 1.0 if not np.any(differences) else 0.0
    return float(stats.ttest_1samp(differences, 0.0).pvalue)


def _mean_or_none(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def summarize(runs: list[SimRun], policies: list[str]) -> dict[str, dict[str, Any]]:
    """Per policy: shipped skill mean and CI, paired difference vs the first policy, and more."""
    by_policy = {
        name: sorted((r for r in runs if r.policy == name), key=lambda r: r.seed)
        for name in policies
    }
    first = np.array([r.shipped_skill for r in by_policy[policies[0]]])
    summary: dict[str, dict[str, Any]] = {}
    for name in policies:
        group = by_policy[name]
        shipped = np.array([r.shipped_skill for r in group])
        mean, low, high = mean_ci95(shipped)
        entry: dict[str, Any] = {
            "shipped_skill_mean": mean,
            "ci95": [low, high],
            "oracle_skill_mean": float(np.mean([r.oracle_skill for r in group])),
            "agents_mean": float(np.mean([r.agents for r in group])),
            "failed_expansions_mean": float(np.mean([r.failed_expansions for r in group])),
            "evaluations_mean": float(np.mean([r.evaluations for r in group])),
            "expansions_mean": float(np.mean([r.expansions for r in group])),
            "total_cost_mean": float(np.mean([r.cost for r in group])),
            "guidance_mean": _mean_or_none([r.guidance for r in group]),
            "decide_us_mean": float(np.mean([r.decide_us for r in group])),
            "runs": len(group),
            "stop_reasons": dict(Counter(r.stop_reason for r in group)),
        }
        if name == policies[0]:
            entry.update(diff_vs_first=0.0, diff_ci95=[0.0, 0.0], p_value_vs_first=None)
        else:
            differences = shipped - first
            diff, diff_low, diff_high = mean_ci95(differences)
            entry.update(
                diff_vs_first=diff,
                diff_ci95=[diff_low, diff_high],
                p_value_vs_first=paired_p_value(differences),
            )
        summary[name] = entry
    return summary
