"""Whole-run answers: the tree as JSON or Graphviz, a run's summary, run comparisons, and
the report bundle (`hgm report`): plain functions returning JSON-ready dicts or text."""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import asdict
from typing import Any

from hgm.evolve.ablation_store import read_ablation
from hgm.evolve.certify import read_certifications
from hgm.evolve.certify_stats import paired_difference, rate
from hgm.runconfig.agent_report import expansion_of
from hgm.runconfig.status import run_state
from hgm.store.queries import read_last_session
from hgm.ui.agent_view import agent_page
from hgm.ui.model import NODE_FIELDS, RunModel, colour_rule
from hgm.ui.source import RunSource, has_table

REPORT_SCHEMA = 1


def colour_of(p: float) -> str:
    """The node colour of posterior mean `p`: red (0) through amber (0.5) to green (1).

    The same scale as the dashboard's `colourOf` in assets/tree.js.
    """
    p = min(1.0, max(0.0, p))
    stops = ((0.0, (200, 40, 40)), (0.5, (235, 180, 40)), (1.0, (30, 150, 70)))
    for (x0, c0), (x1, c1) in itertools.pairwise(stops):
        if p <= x1:
            t = (p - x0) / (x1 - x0)
            r, g, b = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    return "#1e9646"


def run_summary(source: RunSource, model: RunModel) -> dict[str, Any]:
    """State, counters, the agent the run ships now and what the colours mean."""
    active = source.is_active()
    session = source.read(read_last_session)
    point = model.point() if len(model.tree) else None
    return {
        "name": source.name,
        "path": str(source.run_dir.path),
        "state": run_state(active, session),
        "finish_reason": None if session is None else session.end_reason,
        "world": source.config.world.kind,
        "policy": source.config.policy.kind,
        "select": {"rule": source.config.select.rule, "epsilon": source.config.select.epsilon},
        "colour": colour_rule(source.config.policy),
        "counts": model.counts(),
        "now": None if point is None else asdict(point),
        "version": model.seq,
    }


def tree_json(source: RunSource, model: RunModel) -> dict[str, Any]:
    """`hgm tree --json`: every agent with own and clade counts, colour value, failures."""
    failed: dict[int, list[dict[str, Any]]] = {}
    for f in model.failed:
        failed.setdefault(f.parent, []).append({"job": f.job, "child": f.child, "reason": f.reason})
    point = model.point()
    agents = []
    for row in model.nodes():
        node = dict(zip(NODE_FIELDS, row, strict=True))
        agent = node["id"]
        agents.append(
            {
                "agent": agent,
                "parent": node["parent"],
                "own": {"successes": node["own_s"], "failures": node["own_f"]},
                "clade": {"successes": node["clade_s"], "failures": node["clade_f"]},
                "clade_failed_expansions": node["clade_fx"],
                "posterior_mean": node["p"],
                "created": model.created.get(agent),
                "failed_expansions": failed.get(agent, []),
            }
        )
    return {
        "run": source.name,
        "colour": colour_rule(source.config.policy),
        "shipped": {
            "agent": point.shipped,
            "mean": point.shipped_mean,
            "interval": [point.shipped_low, point.shipped_high],
            "rule": source.config.select.rule,
        },
        "agents": agents,
    }


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def tree_dot(source: RunSource, model: RunModel) -> str:
    """`hgm tree --dot`: Graphviz text; fill = posterior mean, double border = shipped,
    small red boxes = failed expansions with their reason as tooltip."""
    data = tree_json(source, model)
    shipped = data["shipped"]["agent"]
    lines = [
        f"digraph {_quote('hgm ' + source.name)} {{",
        "  node [shape=ellipse, style=filled, fontname=Helvetica, fontsize=10];",
        f"  label={_quote('colour: ' + data['colour'])}; labelloc=t; fontsize=10;",
    ]
    for node in data["agents"]:
        agent = node["agent"]
        own, clade = node["own"], node["clade"]
        label = (
            f"{agent}\nown {own['successes']}/{own['failures']}  "
            f"clade {clade['successes']}/{clade['failures']}"
        )
        extra = ", peripheries=2, penwidth=2" if agent == shipped else ""
        fill = _quote(colour_of(node["posterior_mean"]))
        lines.append(f"  a{agent} [label={_quote(label)}, fillcolor={fill}{extra}];")
        if node["parent"] is not None:
            lines.append(f"  a{node['parent']} -> a{agent};")
        for failure in node["failed_expansions"]:
            name = f"x{failure['job']}"
            lines.append(
                f"  {name} [shape=box, label={_quote('x ' + str(failure['child']))}, "
                f'fillcolor="#f3c6c6", fontsize=8, tooltip={_quote(failure["reason"][:300])}];'
            )
            lines.append(f'  a{agent} -> {name} [style=dashed, color="#c03030"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def certification_of(db: sqlite3.Connection, agent: int, root: int) -> dict[str, Any] | None:
    """`agent` against `root` on the held-out tasks both were certified on (None if none)."""
    mine, theirs = read_certifications(db, agent), read_certifications(db, root)
    tasks = sorted(task for task in mine if task in theirs)
    if not tasks or agent == root:
        return None
    agent_outcomes = [mine[t] for t in tasks]
    root_outcomes = [theirs[t] for t in tasks]
    return {
        "agent": agent,
        "root": root,
        "tasks": len(tasks),
        "agent_rate": asdict(rate(agent_outcomes)),
        "root_rate": asdict(rate(root_outcomes)),
        "difference": asdict(paired_difference(agent_outcomes, root_outcomes)),
    }


def costs_by_role(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """The gateway's calls, tokens and money per (run, role): search, certify, ablate."""
    if not has_table(db, "llm_calls"):
        return []
    rows = db.execute(
        "SELECT run, role, count(*) AS calls, sum(input_tokens) AS input, "
        "sum(output_tokens) AS output, sum(cost_usd) AS cost FROM llm_calls "
        "GROUP BY run, role ORDER BY run, role"
    )
    return [dict(row) for row in rows]


def compare_entry(source: RunSource, model: RunModel) -> dict[str, Any]:
    """One run's curves and final numbers for the compare view."""
    point = model.point()
    root = model.tree.agents()[0]
    certified = source.read(lambda db: certification_of(db, point.shipped, root))
    return {
        "name": source.name,
        "policy": source.config.policy.kind,
        "budget": source.config.budget.task_evals,
        "points": [asdict(p) for p in model.points] + [asdict(point)],
        "final": asdict(point),
        "certified": certified,
    }


def report_bundle(source: RunSource, model: RunModel) -> dict[str, Any]:
    """Everything `hgm report` writes: the tree, progress, the shipped agent's lineage with
    diffs and origins, certification, ablation, costs and the config text."""
    point = model.point()
    shipped = point.shipped
    root = model.tree.agents()[0]

    def read(db: sqlite3.Connection) -> dict[str, Any]:
        return {
            "certification": certification_of(db, shipped, root),
            "ablation": read_ablation(db, shipped),
            "costs": costs_by_role(db),
            "expansions": {a: expansion_of(db, a) for a in model.lineage(shipped)},
        }

    extra = source.read(read)
    lineage = [agent_page(source, model, agent) for agent in model.lineage(shipped)]
    return {
        "schema": REPORT_SCHEMA,
        "summary": run_summary(source, model),
        "fields": list(NODE_FIELDS),
        "nodes": model.nodes(),
        "failed": [asdict(f) for f in model.failed],
        "points": [asdict(p) for p in model.points] + [asdict(point)],
        "shipped": shipped,
        "lineage": lineage,
        "certification": extra["certification"],
        "ablation": extra["ablation"],
        "costs": extra["costs"],
        "config": source.config_text,
    }
