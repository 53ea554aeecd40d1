"""Property tests: for any policy, world, worker count, budget and crash point, the run
evaluates exactly the budget, never a pair twice, and ids are never reused."""

from engine_helpers import Recorder, check_history
from hypothesis import given, settings
from hypothesis import strategies as st

from hgm.engine import Budget, Engine, EngineState
from hgm.search import POLICY_KINDS, make_policy
from hgm.sim import WORLD_CONFIGS, make_world, world_config
from hgm.sim.compare import policy_configs

runs = st.fixed_dictionaries(
    {
        "policy": st.sampled_from(POLICY_KINDS),
        "world": st.sampled_from(sorted(WORLD_CONFIGS)),
        "workers": st.integers(1, 8),
        "budget": st.integers(1, 120),
        "seed": st.integers(0, 10_000),
        "cut": st.floats(0.0, 1.0),
        "resume_workers": st.integers(1, 8),
    }
)


@settings(max_examples=30, deadline=None)
@given(runs)
def test_any_run_crashed_anywhere_resumes_to_exactly_the_budget(run: dict) -> None:
    config = policy_configs(run["policy"])[run["policy"]]
    recorder = Recorder()
    world = make_world(world_config(run["world"]), run["seed"])
    summary = Engine(
        world,
        make_policy(config),
        Budget(run["budget"]),
        run["workers"],
        run["seed"],
        observers=[recorder],
    ).run()
    assert summary.reason == "budget"
    check_history(recorder.events, run["budget"])

    prefix = recorder.events[: int(run["cut"] * len(recorder.events))]
    state = EngineState.from_events(prefix)
    again = make_world(world_config(run["world"]), run["seed"])
    again.restore((agent, state.tree.parent(agent)) for agent in state.tree.agents())
    resumed = Recorder()
    Engine(
        again,
        make_policy(config),
        Budget(run["budget"]),
        run["resume_workers"],
        run["seed"],
        observers=[resumed],
        state=state,
    ).run()
    check_history(prefix + resumed.events, run["budget"])
