"""Expansion pieces without a sandbox: entry choice, answer parsing, the real-world config,
the quick start's rule files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from hgm.bench.registry import make_benchmark
from hgm.errors import UserError
from hgm.evolve.diagnosis import parse_answer
from hgm.evolve.entries import PastEvaluation, choose_entry
from hgm.evolve.quickstart import guideline, quickstart_gateway, skill_of, variant_of
from hgm.llm.providers.scripted import load_script
from hgm.runconfig.config import parse_run_config, read_run_config
from hgm.runconfig.real_world import EntriesSection, QuickstartSection

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ANSWER = (
    '{"log_summary": "s", "potential_improvements": ["a"], "improvement_proposal": "p", '
    '"implementation_suggestion": "i", "problem_description": "d"}'
)
NO_GENERAL = EntriesSection(empty_patches=0, stochasticity=0, context_length=0)


def evaluation(agent: int, task: str, success: bool, **details: object) -> PastEvaluation:
    return PastEvaluation(agent, task, success, {"job": f"eval-{agent}-{task}", **details})


# ---- answers ---------------------------------------------------------------------------


def test_answer_in_a_fence_or_bare_is_parsed() -> None:
    assert parse_answer(f"Here it is:\n```json\n{ANSWER}\n```").problem_description == "d"
    assert parse_answer(f"text before {ANSWER} text after").improvement_proposal == "p"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no json here", "no JSON object"),
        ("{not json}", "invalid JSON"),
        ('{"log_summary": "s"}', "improvement_proposal"),
        (
            '{"log_summary": "s", "improvement_proposal": "", "implementation_suggestion": "",'
            ' "problem_description": "d"}',
            "improvement_proposal",
        ),
    ],
)
def test_bad_answers_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_answer(text)


# ---- entries ---------------------------------------------------------------------------


def test_a_failed_task_of_the_parent_is_chosen() -> None:
    history = [
        evaluation(0, "a", False),
        evaluation(1, "b", True),
        evaluation(1, "c", False),
        evaluation(1, "d", False),
    ]
    chosen = {
        choose_entry(1, history, ["a", "b", "c", "d"], NO_GENERAL, random.Random(seed)).task
        for seed in range(30)
    }
    assert chosen == {"c", "d"}  # never the ancestor's failure, never a success


def test_a_parent_without_failures_gets_an_unsolved_sample_task() -> None:
    history = [evaluation(0, "a", True)]
    entry = choose_entry(0, history, ["a", "b"], NO_GENERAL, random.Random(0))
    assert (entry.kind, entry.task, entry.evaluation) == ("sample_task", "b", None)


def test_tasks_tried_on_the_parent_before_are_avoided() -> None:
    history = [evaluation(1, "a", False), evaluation(1, "b", False), evaluation(1, "c", True)]

    def chosen(search: str, tried: set[str], config: EntriesSection = NO_GENERAL) -> set[str]:
        return {
            f"{entry.kind}:{entry.task}"
            for seed in range(30)
            for entry in [
                choose_entry(1, history, list(search), config, random.Random(seed), tried)
            ]
        }

    assert chosen("abcd", {"a"}) == {"failed_task:b"}
    assert chosen("abcd", {"a", "b"}) == {"sample_task:d"}  # a task it was not evaluated on
    assert chosen("abc", {"a", "b"}) == {"failed_task:a", "failed_task:b"}  # nothing else left
    repeats = EntriesSection(
        empty_patches=0, stochasticity=0, context_length=0, avoid_repeats=False
    )
    assert chosen("abcd", {"a"}, repeats) == {"failed_task:a", "failed_task:b"}


def test_empty_patch_entry_only_when_its_condition_holds() -> None:
    config = EntriesSection(empty_patches=1.0, stochasticity=0, context_length=0)
    few_empty = [evaluation(0, t, False, empty_diff=t == "a") for t in "abcd"]
    assert choose_entry(0, few_empty, list("abcd"), config, random.Random(0)).kind == (
        "failed_task"
    )
    many_empty = [evaluation(0, t, False, empty_diff=t != "a") for t in "abcd"]
    entry = choose_entry(0, many_empty, list("abcd"), config, random.Random(0))
    assert entry.kind == "empty_patches"
    assert len(entry.examples) == 3
    too_few = many_empty[:2]
    assert choose_entry(0, too_few, list("abcd"), config, random.Random(0)).kind == "failed_task"


def test_stochasticity_and_context_length_entries() -> None:
    history = [
        evaluation(0, "a", True),
        *[evaluation(1, t, False) for t in "abcd"],
    ]
    varying = EntriesSection(empty_patches=0, stochasticity=1.0, context_length=0)
    entry = choose_entry(1, history, list("abcd"), varying, random.Random(0))
    assert entry.kind == "stochasticity"
    assert [e.task for e in entry.examples] == ["a"]
    long = EntriesSection(empty_patches=0, stochasticity=0, context_length=1.0)
    assert choose_entry(1, history, list("abcd"), long, random.Random(0)).kind == "failed_task"
    history.append(evaluation(1, "e", False, stop_reason="context_length_exceeded"))
    assert choose_entry(1, history, list("abcde"), long, random.Random(0)).kind == (
        "context_length"
    )


def test_entry_probabilities_are_drawn() -> None:
    config = EntriesSection(empty_patches=0.5, stochasticity=0, context_length=0)
    history = [evaluation(0, t, False, empty_diff=True) for t in "abcd"]
    kinds = [
        choose_entry(0, history, list("abcd"), config, random.Random(seed)).kind
        for seed in range(400)
    ]
    assert 150 < kinds.count("empty_patches") < 250


# ---- config ----------------------------------------------------------------------------

BASE = """
[run]
name = "r"
[budget]
task_evals = 10
[world]
kind = "real"
[world.bench]
name = "humaneval"
"""


def test_real_world_needs_exactly_one_model_source() -> None:
    with pytest.raises(UserError, match="exactly one of"):
        parse_run_config(BASE, "run.toml")
    both = BASE + (
        '[world.quickstart]\n[world.llm.providers.p]\nkind = "scripted"\n'
        '[world.llm.roles.task]\nprovider = "p"\nmodel = "m"\n'
    )
    with pytest.raises(UserError, match="exactly one of"):
        parse_run_config(both, "run.toml")
    parse_run_config(BASE + "[world.quickstart]\n", "run.toml")


def test_real_world_config_errors_name_the_key() -> None:
    cases = {
        "[world.quickstart]\n[world.expansion.entries]\n"
        "empty_patches = 0.8\nstochasticity = 0.5\n": "add up to 1.4",
        "[world.quickstart]\n[world.limits]\nmax_stepz = 3\n": r"limits\.max_stepz: unknown key",
        '[world.llm.providers.p]\nkind = "scripted"\n[world.llm.roles.task]\n'
        'provider = "p"\nmodel = "m"\n': "needs a model for: self_improve, diagnose",
        '[world.quickstart]\n[world.sandbox]\nkind = "vm"\n': "bubblewrap, docker, unsafe-local",
    }
    for extra, message in cases.items():
        with pytest.raises(UserError, match=message):
            parse_run_config(BASE + extra, "run.toml")


@pytest.mark.parametrize(
    "name",
    ["quickstart", "exercises-openai", "humaneval-openai", "polyglot-anthropic", "swebench-openai"],
)
def test_example_configs_are_accepted(name: str) -> None:
    config, _ = read_run_config(EXAMPLES / f"{name}.toml")
    assert config.world.kind == "real"


# ---- the quick start's model -----------------------------------------------------------


def test_skills_and_variants_are_deterministic_and_spread() -> None:
    ids = [f"HumanEval-{n}" for n in range(164)]
    skills = [skill_of(task, 6) for task in ids]
    assert skills == [skill_of(task, 6) for task in ids]
    assert set(skills) == set(range(6))
    assert guideline(0) is None and all(guideline(c) for c in range(1, 6))
    config = QuickstartSection(broken_share=0.2, harmful_share=0.1)
    variants = [variant_of(task, config) for task in ids]
    assert 15 < variants.count("broken") < 50
    assert 5 < variants.count("harmful") < 30


def test_rule_files_load_and_cover_every_task(tmp_path: Path) -> None:
    benchmark = make_benchmark("humaneval")
    tasks = benchmark.tasks()[:8]
    config = quickstart_gateway(QuickstartSection(), benchmark, tasks, tmp_path)
    assert set(config.roles) == {"task", "self_improve", "diagnose"}
    rules, default = load_script(tmp_path / "task.json")
    named = {rule.name for rule in rules}
    for task in tasks:
        assert f"solve {task.id}" in named
        assert (f"miss {task.id}" in named) == (skill_of(task.id, 6) != 0)
    assert default is not None and default.tool_calls[0].name == "finish"
    improve, _ = load_script(tmp_path / "self_improve.json")
    assert all(rule.when.any_message and "change id" in rule.when.any_message for rule in improve)
