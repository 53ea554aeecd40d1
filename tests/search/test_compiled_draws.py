"""The compiled Thompson draws: the very choices and generator states of the numpy code."""

from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hgm.search.lineage_policy as lineage_policy
import hgm.search.sampling as sampling
from components import need
from hgm.search.compiled_draws import COMPILED, CompiledDraws
from hgm.sim.compare import SimSetup, policy_configs, simulate_one
from hgm.sim.config import world_config


def compiled() -> CompiledDraws:
    need("the compiled draws (hgm.search._draws)", None if COMPILED else "extension not built")
    assert COMPILED is not None
    return COMPILED


counts = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=300)


def shapes_of(pairs: list[tuple[int, int]]) -> np.ndarray:
    """[s + 1, f + 1] rows, as the tree keeps them (its columns are strided views)."""
    return np.array(pairs, dtype=np.float64).reshape(-1, 2) + 1.0


@settings(max_examples=300, deadline=None)
@given(counts, st.floats(1.0001, 200.0), st.integers(0, 2**32))
def test_gamma_argmax_is_numpys_beta_argmax(pairs, tau, seed) -> None:
    shapes = shapes_of(pairs)
    numpy_rng, compiled_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    expected = int(numpy_rng.beta(shapes[:, 0] * tau, shapes[:, 1] * tau).argmax())
    assert compiled().gamma_argmax(compiled_rng, shapes[:, 0], shapes[:, 1], tau) == expected
    assert numpy_rng.bit_generator.state == compiled_rng.bit_generator.state


@settings(max_examples=300, deadline=None)
@given(counts, st.floats(1.0, 200.0), st.integers(0, 2**32))
def test_normal_argmax_is_the_lineage_policys_numpy_draw(pairs, tau, seed) -> None:
    shapes = shapes_of(pairs)
    numpy_rng, compiled_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    a, b = shapes[:, 0] * tau, shapes[:, 1] * tau
    first = lineage_policy.beta_draws(numpy_rng, a, b, exact=False)
    second = lineage_policy.beta_draws(numpy_rng, a, b, exact=False)
    leader = int(first.argmax())
    second[leader] = -np.inf
    draws = compiled()
    assert draws.normal_argmax(compiled_rng, shapes[:, 0], shapes[:, 1], tau) == leader
    challenger = draws.normal_argmax(compiled_rng, shapes[:, 0], shapes[:, 1], tau, leader)
    assert challenger == (int(second.argmax()) if len(pairs) > 1 else -1)
    assert numpy_rng.bit_generator.state == compiled_rng.bit_generator.state


@pytest.mark.parametrize("policy", ["hgm", "greedy", "default"])
@pytest.mark.parametrize(("world", "workers", "cost"), [("drift", 1, 0.0), ("rare", 16, 3.0)])
def test_a_simulated_run_is_the_same_with_or_without_them(
    monkeypatch: pytest.MonkeyPatch, policy: str, world: str, workers: int, cost: float
) -> None:
    """Every policy that draws through them makes the same run, decision for decision."""
    compiled()
    setup = SimSetup(world_config(world), 150, workers, "policy", expansion_cost=cost)
    config = policy_configs(policy)[policy]

    def run() -> dict[str, object]:
        fields = asdict(simulate_one(setup, policy, config, seed=7))
        del fields["decide_us"]
        return fields

    with_them = run()
    monkeypatch.setattr(sampling, "COMPILED", None)
    monkeypatch.setattr(lineage_policy, "COMPILED", None)
    assert run() == with_them


def test_they_refuse_arrays_that_are_not_float64_vectors_of_one_length() -> None:
    draws, rng = compiled(), np.random.default_rng(0)
    state = rng.bit_generator.state
    with pytest.raises(ValueError, match=r"^a must be a non-empty 1-D float64 array$"):
        draws.gamma_argmax(rng, np.ones(3, dtype=np.int64), np.ones(3), 2.0)
    with pytest.raises(ValueError, match=r"b must be .* as long as a"):
        draws.normal_argmax(rng, np.ones(3), np.ones(4), 2.0)
    with pytest.raises(ValueError, match="a must be"):
        draws.gamma_argmax(rng, np.ones((3, 2)), np.ones(3), 2.0)
    with pytest.raises(ValueError, match="non-empty"):
        draws.normal_argmax(rng, np.ones(0), np.ones(0), 2.0)
    assert rng.bit_generator.state == state  # nothing drawn
