"""PNG charts: a comparison (shipped skill with 95% CI per policy) and a study (skill vs budget)."""

from __future__ import annotations

import math
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


def plot_study(
    curves: dict[str, dict[float, dict[str, list[tuple[int, float]]]]], title: str, path: Path
) -> None:
    """Shipped skill against budget: one panel per world, one colour per policy, one line
    style per expansion cost. `curves[world][cost][policy]` is [(budget, mean skill)]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    worlds = list(curves)
    columns = min(4, len(worlds))
    rows = math.ceil(len(worlds) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False, sharey=True
    )
    styles = ("-", "--", ":", "-.")  # one per expansion cost, cycled
    colours: dict[str, str] = {}
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for panel, world in enumerate(worlds):
        axis = axes[panel // columns][panel % columns]
        for number, (cost, by_policy) in enumerate(sorted(curves[world].items())):
            style = styles[number % len(styles)]
            for name, points in by_policy.items():
                colour = colours.setdefault(name, palette[len(colours) % len(palette)])
                budgets, skills = zip(*sorted(points), strict=True)
                label = f"{name}, C={cost:g}"
                axis.plot(budgets, skills, style, color=colour, marker=".", label=label)
        axis.set_xscale("log")
        axis.set_title(world)
        axis.set_xlabel("budget (evaluation units)")
        axis.set_ylabel("shipped true skill")
        axis.grid(alpha=0.3)
    for panel in range(len(worlds), rows * columns):
        axes[panel // columns][panel % columns].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncols=min(6, len(labels)), fontsize="small")
    figure.suptitle(title)
    figure.tight_layout(rect=(0, 0.06 * max(1, len(labels) // 6 + 1), 1, 0.97))
    figure.savefig(path, dpi=110)
    plt.close(figure)
