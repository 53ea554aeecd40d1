"""Run facts read with tomllib alone agree with the validated run config."""

from __future__ import annotations

import pytest

from hgm.runconfig import facts
from hgm.runconfig.config import SelectSection
from hgm.search.config import DEFAULT_KIND, HGMPolicyConfig

CONFIG = """
[run]
name = "facts"
[budget]
task_evals = 10
[world]
kind = "sim"
"""


def test_defaults_agree_with_the_run_config() -> None:
    assert SelectSection().rule == facts.DEFAULT_RULE
    assert SelectSection().epsilon == facts.DEFAULT_EPSILON
    assert HGMPolicyConfig().kind == facts.DEFAULT_POLICY
    assert facts.DEFAULT_POLICY_KIND == DEFAULT_KIND


@pytest.mark.parametrize(
    ("policy", "select", "rule"),
    [
        ("", "", "best-belief"),
        ('[policy]\nkind = "hgm"\n', "", "best-belief"),
        ('[policy]\nkind = "lineage"\n', "", "lineage"),
        ('[policy]\nkind = "default"\n', '[select]\nrule = "policy"\n', "lineage"),
        ('[policy]\nkind = "greedy"\n', '[select]\nrule = "policy"\n', "best-belief"),
        ('[policy]\nkind = "default"\n', '[select]\nrule = "lcb"\n', "lcb"),
    ],
)
def test_rule_policy_is_the_policys_own_rule(policy: str, select: str, rule: str) -> None:
    parsed = facts.parse_run_facts(CONFIG + policy + select, "test")
    assert parsed.rule == rule
