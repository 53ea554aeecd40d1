"""The tree of agents as a rich tree: own and clade results per node, tampered grades and
the shipped agent marked.

Counts read "7 of 15": 7 successes out of 15 evaluations (never "7/8", which reads as a
fraction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from rich.tree import Tree as RichTree

from hgm.store.agent_counts import Agent


def _label(agent: Agent, shipped: int | None, tampered: Mapping[int, int]) -> Text:
    label = Text(f"agent {agent.agent}", style="bold green" if agent.agent == shipped else "bold")
    label.append(f"  own {agent.successes} of {agent.evaluations}", style="cyan")
    if agent.evaluations:
        label.append(f" ({agent.successes / agent.evaluations:.0%})", style="cyan")
    clade_n = agent.clade_successes + agent.clade_failures
    label.append(f"  clade {agent.clade_successes} of {clade_n}", style="magenta")
    if agent.clade_failed_expansions:
        label.append(f"  failed expansions {agent.clade_failed_expansions}", style="dim")
    if tampered.get(agent.agent):
        label.append(f"  tampered {tampered[agent.agent]}", style="bold red")
    if agent.agent == shipped:
        label.append("  ★ shipped", style="bold green")
    return label


def render_tree(
    agents: Sequence[Agent],
    shipped: int | None,
    title: str,
    tampered: Mapping[int, int] | None = None,
) -> RichTree:
    """A rich tree of `agents` (the root first), iterative so deep lineages are fine.

    `tampered`: agent -> its tampered grades (counted among its failures), shown in red.
    """
    tampered = tampered or {}
    children: dict[int | None, list[Agent]] = {}
    for agent in agents:
        children.setdefault(agent.parent, []).append(agent)
    root = RichTree(Text(title, style="bold underline"))
    stack = [(agents[0], root)]
    while stack:
        agent, parent_node = stack.pop()
        node = parent_node.add(_label(agent, shipped, tampered))
        stack.extend((child, node) for child in reversed(children.get(agent.agent, [])))
    return root
