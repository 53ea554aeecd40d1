"""A PNG of a comparison: mean shipped skill with 95% CI per policy, oracle skill for reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_comparison(summary: dict[str, dict[str, Any]], title: str, path: Path) -> None:
    """Write the comparison chart to `path` (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    means = [summary[name]["shipped_skill_mean"] for name in names]
    errors = [
        [mean - summary[name]["ci95"][0] for name, mean in zip(names, means, strict=True)],
        [summary[name]["ci95"][1] - mean for name, mean in zip(names, means, strict=True)],
    ]
    oracle = [summary[name]["oracle_skill_mean"] for name in names]
    figure, axes = plt.subplots(figsize=(1.6 * len(names) + 2.5, 4.0))
    positions = range(len(names))
    axes.bar(positions, means, yerr=errors, capsize=6, color="#4c72b0", label="shipped (95% CI)")
    axes.scatter(positions, oracle, marker="_", s=600, color="#dd8452", label="best in tree")
    axes.set_xticks(list(positions), names)
    axes.set_ylabel("true skill")
    axes.set_title(title)
    top = max(oracle + [summary[name]["ci95"][1] for name in names])
    axes.set_ylim(0.0, max(top, 1e-3) * 1.3)
    axes.legend(loc="upper right", fontsize="small", ncols=2)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
