"""The tree of agents as a rich tree: own and clade counts per node, the best agent marked."""

from __future__ import annotations

from rich.text import Text
from rich.tree import Tree as RichTree

from hgm.search.tree import Tree


def _label(tree: Tree, agent: int, best: int | None) -> Text:
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
    if agent == best:
        label.append("  ★ best", style="bold green")
    return label


def render_tree(tree: Tree, best: int | None, title: str) -> RichTree:
    """A rich tree of `tree` (s/f = successes/failures), iterative so deep lineages are fine."""
    root_agent = tree.agents()[0]
    root = RichTree(Text(title, style="bold underline"))
    stack = [(root_agent, root)]
    while stack:
        agent, parent_node = stack.pop()
        node = parent_node.add(_label(tree, agent, best))
        stack.extend((child, node) for child in reversed(tree.children(agent)))
    return root
