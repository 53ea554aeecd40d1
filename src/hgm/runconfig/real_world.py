"""`[world] kind = "real"`: coding agents that modify their own code, on a real benchmark.

```toml
[world]
kind = "real"
[world.agent]        root agent: "seed" (the shipped seed agent), a directory or a git repo + ref
[world.llm]          providers, models per role, money budgets (hgm.llm.GatewayConfig)
[world.quickstart]   instead of [world.llm]: the offline scripted demo model (no key, no cost)
[world.bench]        benchmark name, path, options; [world.bench.subset] search + held-out tasks
[world.sandbox]      backend (bubblewrap | docker | unsafe-local) and its settings
[world.limits]       per-job agent limits: steps, wall clock, tokens, memory
[world.expansion]    what to fix (entry probabilities), diagnosis retries and sizes
[world.validation]   child admission: unit tests, smoke run, their time limits
```

Relative paths are read against the directory `hgm run` is started from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hgm.bench.subsets import SubsetConfig
from hgm.llm.config import GatewayConfig
from hgm.sandbox.config import BubblewrapConfig, SandboxConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RootAgentSection(_Section):
    """The agent the tree starts from."""

    source: str = Field(
        "seed",
        min_length=1,
        description='"seed" (the shipped seed agent), a directory, or a git repository path/URL',
    )
    ref: str | None = Field(None, description="git ref of `source` when it is a repository")


class BenchSection(_Section):
    name: str = Field(description="benchmark name: exercises, humaneval, polyglot, swe-local, ...")
    path: Path | None = Field(None, description="the benchmark's data, where it needs one")
    options: dict[str, Any] = Field(default_factory=dict, description="adapter options")
    subset: SubsetConfig = Field(
        default_factory=SubsetConfig, description="search tasks and held-out tasks"
    )


class AgentLimitsSection(_Section):
    """What one agent run may use (evaluation and self-modification alike)."""

    max_steps: int = Field(30, ge=1, le=1000, description="LLM calls per run")
    wall_clock_s: float = Field(600.0, gt=0, description="the agent's own time limit")
    max_tokens: int | None = Field(None, ge=1, description="tokens per run (None: unlimited)")
    command_timeout_s: float = Field(120.0, gt=0, description="per bash command")
    memory_mb: int = Field(2048, ge=64, description="sandbox memory limit")
    grace_s: float = Field(
        30.0, ge=0, description="sandbox wall limit = wall_clock_s + grace_s (then killed)"
    )
    max_diff_mb: float = Field(
        4.0,
        gt=0,
        le=1024,
        description="cap on the diff taken from the agent's repository, in MiB (files that "
        "do not fit are left out and reported in the job's record)",
    )


class EntriesSection(_Section):
    """How an expansion chooses what to fix (published HGM/DGM: mostly a failed task).

    Each general entry is drawn with its probability, only when its condition holds
    on the parent's evaluations; otherwise one of the parent's failed tasks is chosen.
    """

    empty_patches: float = Field(0.1, ge=0, le=1, description="chance of the empty-patch entry")
    empty_patches_share: float = Field(
        0.5, gt=0, le=1, description="condition: this share of evaluations left an empty diff"
    )
    stochasticity: float = Field(
        0.1, ge=0, le=1, description="chance of the stochasticity entry (the agent's results vary)"
    )
    context_length: float = Field(0.1, ge=0, le=1, description="chance of the context-length entry")
    min_evaluations: int = Field(
        4, ge=1, description="a general entry needs at least this many evaluations of the parent"
    )
    avoid_repeats: bool = Field(
        True,
        description="prefer tasks not yet used by earlier expansions of the same parent "
        "(the reference code draws with replacement: false)",
    )

    @model_validator(mode="after")
    def _at_most_one(self) -> EntriesSection:
        total = self.empty_patches + self.stochasticity + self.context_length
        if total > 1.0:
            raise ValueError(f"entry probabilities add up to {total:g}; they must add up to <= 1")
        return self


class ExpansionSection(_Section):
    entries: EntriesSection = Field(default_factory=EntriesSection)
    diagnosis_attempts: int = Field(
        3, ge=1, le=10, description="diagnose calls when the answer is not the JSON asked for"
    )
    source_chars: int = Field(
        60_000, ge=1000, description="cap on the agent source shown to the diagnosis"
    )
    lineage_chars: int = Field(20_000, ge=0, description="cap on the lineage diffs shown")
    trajectory_chars: int = Field(20_000, ge=0, description="cap on the trajectory shown")


class ValidationSection(_Section):
    """A child enters the tree only if it still honours the agent contract."""

    compile_timeout_s: float = Field(60.0, gt=0)
    unit_tests: bool = Field(True, description="run `python -m unittest discover -s tests`")
    unit_tests_timeout_s: float = Field(180.0, gt=0)
    smoke_run: bool = Field(True, description="run the child on a trivial task (free model)")
    smoke_timeout_s: float = Field(120.0, gt=0)


class QuickstartSection(_Section):
    """The offline demo model: scripted, deterministic, free (see docs/self-improvement.md).

    The task model solves a task only when the agent's own system prompt holds the
    guideline of the task's hidden skill category, so self-modifications change results.
    """

    categories: int = Field(6, ge=1, le=8, description="hidden skill categories of the tasks")
    broken_share: float = Field(
        0.15, ge=0, le=1, description="share of self-modifications that break the agent"
    )
    harmful_share: float = Field(
        0.1, ge=0, le=1, description="share that also remove a guideline (dead ends)"
    )
    price_per_m: float = Field(
        0.0, ge=0, description="pretend USD per million tokens (to exercise money budgets)"
    )

    @model_validator(mode="after")
    def _shares(self) -> QuickstartSection:
        if self.broken_share + self.harmful_share > 1.0:
            raise ValueError("broken_share + harmful_share must be <= 1")
        return self


class RealWorldSection(_Section):
    """Real agents in a sandbox, an LLM gateway, a git archive of agent versions."""

    kind: Literal["real"]
    agent: RootAgentSection = Field(default_factory=RootAgentSection)
    llm: GatewayConfig | None = Field(None, description="providers and models per role")
    quickstart: QuickstartSection | None = Field(
        None, description="use the offline scripted demo model instead of [world.llm]"
    )
    bench: BenchSection
    sandbox: SandboxConfig = Field(default_factory=BubblewrapConfig)
    limits: AgentLimitsSection = Field(default_factory=AgentLimitsSection)
    expansion: ExpansionSection = Field(default_factory=ExpansionSection)
    validation: ValidationSection = Field(default_factory=ValidationSection)

    @model_validator(mode="after")
    def _one_model_source(self) -> RealWorldSection:
        if (self.llm is None) == (self.quickstart is None):
            raise ValueError(
                "give exactly one of [world.llm] (real providers) or [world.quickstart] "
                "(the offline scripted demo)"
            )
        if self.llm is not None:
            missing = [
                role for role in ("task", "self_improve", "diagnose") if role not in self.llm.roles
            ]
            if missing:
                raise ValueError(f"[world.llm.roles] needs a model for: {', '.join(missing)}")
        return self
