"""Which module provides each `hgm` command, with the one line `hgm --help` shows for it.

The root group imports a command's module only when that command runs, so `hgm --help`
and light commands start fast (the search, statistics and gateway stacks load on demand).
tests/cli/test_command_table.py checks this table against the modules' own docstrings.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class CommandEntry:
    module: str
    summary: str


COMMANDS = MappingProxyType(
    {
        "init": CommandEntry(
            "init",
            "Write a commented starter config (real coding agents) that `hgm run` accepts "
            "as it is.",
        ),
        "run": CommandEntry(
            "run", "Start a run from a config file, with live progress; Ctrl-C stops it resumably."
        ),
        "resume": CommandEntry(
            "run", "Continue a stopped or killed run: unfinished work is re-run exactly once."
        ),
        "status": CommandEntry(
            "run_inspect", "Show a run's state, budget used, agents and the agent it would ship."
        ),
        "tree": CommandEntry(
            "run_inspect",
            "Print the tree of agents with own and clade results; the shipped agent is marked.",
        ),
        "results": CommandEntry(
            "run_inspect",
            "Export one row per evaluation: agent, task, success, started, finished "
            "(and cost, job).",
        ),
        "best": CommandEntry(
            "best",
            "Show the agent the run ships under a rule, with its mean, interval and evaluations.",
        ),
        "show": CommandEntry(
            "agents",
            "Show one agent: lineage, own and clade results, what it was made from, its cost.",
        ),
        "diff": CommandEntry(
            "agents",
            "Print the unified diff that made an agent (or against the root or any agent).",
        ),
        "export": CommandEntry(
            "agents",
            "Write an agent's files plus LINEAGE.json (parent chain, diffs, evaluations) to DEST.",
        ),
        "certify": CommandEntry(
            "certify",
            "Grade an agent and the root on held-out tasks: rates, their difference, 95% CIs.",
        ),
        "ablate": CommandEntry(
            "ablate",
            "Revert each step of an agent's lineage, grade the variants: which changes carry "
            "its gain.",
        ),
        "ui": CommandEntry(
            "ui",
            "Serve a live dashboard of runs (tree, agents, clades, progress, compare), read-only.",
        ),
        "report": CommandEntry(
            "report",
            "Write a self-contained HTML report of a run: tree, progress, lineage, diffs, costs.",
        ),
        "simulate": CommandEntry(
            "simulate",
            "Compare search policies on simulated self-improving agents (paired seeds).",
        ),
        "study": CommandEntry(
            "study",
            "Run the study grid (worlds x budgets x workers x expansion costs, paired seeds).",
        ),
        "solve": CommandEntry(
            "solve",
            "Run one agent version on one task in the sandbox through the gateway, then grade it.",
        ),
        "bench": CommandEntry("bench", "Benchmarks: list, set up, self-check, fetch Polyglot."),
        "doctor": CommandEntry(
            "doctor",
            "Which sandbox backends, language toolchains and providers work here, and how to "
            "fix what does not.",
        ),
        "llm": CommandEntry("llm", "The LLM gateway: check providers, read recorded calls."),
        "sandbox": CommandEntry(
            "sandbox", "Run commands in the sandbox agents use, to debug a set-up."
        ),
    }
)
