"""The lineage policy (the default): HGM's clade-guided Thompson sampling, cost-aware and sharper.

Five changes to HGM's decisions, each measured in docs/policies.md (the sixth, the
`lineage` final rule, is in hgm.search.selection):

1. Widening that knows what an expansion costs: expand iff
   s / (1 + C)^gamma * N_t^alpha >= |T|, with a scale s well above HGM's 1
   (expansions are where skill comes from) that shrinks as the expansion cost C grows.
2. A child inherits its parent's standing: the clade posterior of agent a is
   Beta(1 + n_s^C(a) + k m, 1 + n_f^C(a) + k (1 - m)), m the parent's clade posterior
   mean, instead of a flat prior that makes every new child look like a coin flip.
3. Top-two Thompson sampling for evaluations: the Thompson leader is evaluated with
   probability `leader_share`, else the best of a second draw among the others (the
   challenger), which spends evaluations on telling the top agents apart.
4. Evaluations kept for the children being built: while expansions run, the policy waits
   rather than let evaluations of the agents already in the tree eat into `eval_reserve`
   units per child (an expansion's child is worth nothing without evaluations, and with
   many workers and dear expansions the old agents would otherwise take the whole budget
   before the children arrive). With one worker nothing runs while it decides: no effect.
5. A warm-up the budget can afford: HGM's parallel root expansions at the start,
   min(5, W^alpha) of them, stop before they cost more than `warmup_share` of the budget
   (with many workers, a small budget and dear expansions, five blind children of the
   root would leave too few evaluations to tell them apart). Free expansions: no effect.

Thompson draws come from normals with the Beta posteriors' mean and variance unless
`exact_beta` is set: the same choices in the study, at a third of the cost.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hgm.search.actions import Action, Evaluate, Expand, Wait
from hgm.search.compiled_draws import COMPILED
from hgm.search.config import LineagePolicyConfig
from hgm.search.sampling import choose_task, in_warmup, temperature
from hgm.search.state import SearchState
from hgm.search.tree import Tree


def beta_draws(
    rng: np.random.Generator, a: NDArray[np.float64], b: NDArray[np.float64], exact: bool
) -> NDArray[np.float64]:
    """One draw per candidate from Beta(a_i, b_i): exactly (Ga / (Ga + Gb), one gamma call)
    or from the normal with the same mean and variance (one standard-normal call: numpy's
    gamma sampler costs about 10 us per call on top of its per-draw cost, the normal 1 us)."""
    if exact:
        shapes = np.empty((a.size, 2))
        shapes[:, 0] = a
        shapes[:, 1] = b
        gammas = rng.standard_gamma(shapes)
        first = gammas[:, 0]
        return first / (first + gammas[:, 1])
    total = a + b
    mean = a / total
    sd = np.sqrt(mean * (1.0 - mean) / (total + 1.0))
    return mean + sd * rng.standard_normal(a.size)


class LineagePolicy:
    """Cost-aware widening; clade Thompson sampling with inherited priors; top-two evaluation;
    evaluations kept for the children being built; a warm-up the budget can afford."""

    def __init__(self, config: LineagePolicyConfig) -> None:
        self.config = config

    def decide(self, tree: Tree, state: SearchState, rng: np.random.Generator) -> Action:
        config = self.config
        warming_up = in_warmup(state, config.warmup_expansions, config.alpha)
        if warming_up and self.warmup_affordable(state):
            return Expand(int(tree.ids[0]))
        tau = temperature(state, config.cool_down, config.beta)
        if state.can_expand and self.widening_says_expand(tree, state):
            return Expand(self._parent(tree, rng, tau))
        if self.reserve_says_wait(state):
            return Wait()
        chosen = self._evaluation(tree, state, rng, tau)
        if chosen is not None:
            return chosen
        return Expand(self._parent(tree, rng, tau)) if state.can_expand else Wait()

    def widening_says_expand(self, tree: Tree, state: SearchState) -> bool:
        """Expand iff s / (1 + C)^gamma * N_t^alpha >= agents except the root + running."""
        config = self.config
        size = len(tree) - 1 + state.expansions_running
        if config.count_failed:
            size += state.expansions_failed
        scale = config.widening_scale / (1.0 + state.expansion_cost) ** config.cost_exponent
        return scale * state.evaluations_started**config.alpha >= size

    def warmup_affordable(self, state: SearchState) -> bool:
        """One more warm-up expansion keeps the warm-up's cost within `warmup_share` of the
        budget (the first always starts; a configured `warmup_expansions` is taken as given)."""
        started = state.expansions_started
        if started == 0 or self.config.warmup_expansions is not None:
            return True
        return (started + 1) * state.expansion_cost <= self.config.warmup_share * state.budget

    def reserve_says_wait(self, state: SearchState) -> bool:
        """Wait rather than evaluate while the budget left after one more evaluation would not
        cover `eval_reserve` evaluations of each child being built."""
        reserve = self.config.eval_reserve * state.expansions_running
        return reserve > 0.0 and state.remaining - 1.0 < reserve

    def clade_shapes(self, tree: Tree) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Beta shapes of each clade's posterior, its prior centred on the parent's clade mean."""
        config = self.config
        a = tree.clade_s + 1.0
        b = tree.clade_f + 1.0
        mean = a / (a + b)
        inherited = mean[tree.parents]  # the root's entry (parent -1) is replaced below
        if config.inherited_trend:
            trend = inherited - inherited[tree.parents]  # parent's mean - grandparent's
            trend[tree.parents <= 0] = 0.0
            inherited = np.clip(inherited + config.inherited_trend * trend, 0.01, 0.99)
        pseudo = config.inherited_prior * inherited
        root_a, root_b = a[0], b[0]
        a += pseudo
        b += config.inherited_prior - pseudo
        a[0], b[0] = root_a, root_b  # the root has no parent: a flat prior
        return a, b

    def guidance(self, tree: Tree) -> NDArray[np.float64]:
        """The estimate that guides expansion: the mean of each clade's posterior."""
        a, b = self.clade_shapes(tree)
        return a / (a + b)

    def _parent(self, tree: Tree, rng: np.random.Generator, tau: float) -> int:
        a, b = self.clade_shapes(tree)
        if COMPILED is not None and not self.config.exact_beta:
            return int(tree.ids[COMPILED.normal_argmax(rng, a, b, tau)])
        return int(tree.ids[beta_draws(rng, tau * a, tau * b, self.config.exact_beta).argmax()])

    def _evaluation(
        self, tree: Tree, state: SearchState, rng: np.random.Generator, tau: float
    ) -> Evaluate | None:
        if state.all_open(tree):
            candidates = None
            shapes = tree.own_shapes  # [s + 1, f + 1] per agent
        else:
            candidates = state.open_mask(tree).nonzero()[0]
            if candidates.size == 0:
                return None
            shapes = tree.own_shapes[candidates]
        config = self.config
        if COMPILED is not None and not config.exact_beta and config.challenger_redraw:
            position = self._compiled_top_two(rng, shapes, tau)
        else:
            position = self._top_two(rng, shapes * tau)
        index = position if candidates is None else int(candidates[position])
        agent = int(tree.ids[index])
        return Evaluate(agent, choose_task(rng, state, tree, agent, config.eval_random_level))

    def _top_two(self, rng: np.random.Generator, shapes: NDArray[np.float64]) -> int:
        """Top-two Thompson sampling over the candidates' [tau (s + 1), tau (f + 1)]: the
        position of the agent to evaluate."""
        config = self.config
        a, b = shapes[:, 0], shapes[:, 1]
        draws = beta_draws(rng, a, b, config.exact_beta)
        position = int(draws.argmax())
        if draws.size > 1 and rng.random() >= config.leader_share:
            if config.challenger_redraw:  # top-two Thompson sampling proper
                draws = beta_draws(rng, a, b, config.exact_beta)
            draws[position] = -np.inf  # else the runner-up of the same draw
            position = int(draws.argmax())
        return position

    def _compiled_top_two(
        self, rng: np.random.Generator, shapes: NDArray[np.float64], tau: float
    ) -> int:
        """`_top_two(rng, shapes * tau)` with normal draws and a second draw for the
        challenger, drawn by the compiled extension: the same choice and generator state."""
        assert COMPILED is not None
        a, b = shapes[:, 0], shapes[:, 1]
        position = COMPILED.normal_argmax(rng, a, b, tau)
        if a.size > 1 and rng.random() >= self.config.leader_share:
            position = COMPILED.normal_argmax(rng, a, b, tau, position)
        return position
