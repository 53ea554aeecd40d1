"""The tree of agents as a rich tree: own and clade counts per node, tampered grades and
the best agent marked."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from rich.tree import Tree as RichTree

from hgm.search.tree import Tree


def _label(tree: Tree, agent: int, best: int | None, tampered: Mapping[int, int]) -> Text:
    own_s, own_f = tree.own_successes(agent), tree.own_failures(agent)
    clade_s, clade_f = tree.clade_successes(agent), tree.clade_failures(agent)
    own_n = own_s + own_f
    label = Text(f"agent {agent}", style="bold green" if agent == best else "bold")
    label.append(f"  own {own_s}/{own_f}", style="cyan")
    if own_n:
        label.append(f" ({own_s / own_n:.0%})", style="cyan")
    label.append(f"  clade {clade_s}/{clade_f}", style="magenta")
    failed = tree.clade_failed_expansions(agent)
    if failed:
        label.append(f"  failed {failed}", style="dim")
    if tampered.get(agent):
        label.append(f"  tampered {tampered[agent]}", style="bold red")
    if agent == best:
        label.append("  ★ best", style="bold green")
    return label


def render_tree(
    tree: Tree, best: int | None, title: str, tampered: Mapping[int, int] | None = None
) -> RichTree:
    """A rich tree of `tree` (s/f = successes/failures), iterative so deep lineages are fine.

    `tampered`: agent -> its tampered grades (counted among its failures), shown in red.
    """
    tampered = tampered or {}
    root_agent = tree.agents()[0]
    root = RichTree(Text(title, style="bold underline"))
    stack = [(root_agent, root)]
    while stack:
        agent, parent_node = stack.pop()
        node = parent_node.add(_label(tree, agent, best, tampered))
        stack.extend((child, node) for child in reversed(tree.children(agent)))
    return root
