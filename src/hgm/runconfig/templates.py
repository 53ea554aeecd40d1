"""Commented starter run configs for `hgm init`: one benchmark, one model provider.

Every combination is a complete real-world config that `hgm.runconfig.config` accepts
as it is; the comments say what to change and what each choice costs.
"""

from __future__ import annotations

from hgm.errors import UserError

BENCHES: tuple[str, ...] = ("exercises", "humaneval", "swe-local", "polyglot", "swebench")
PROVIDERS: tuple[str, ...] = ("scripted", "openai", "anthropic", "openai-compatible")

_HEADER = """\
# hgm run config: {bench} with {provider_text}.
# Written by `hgm init`; every table rejects unknown keys (docs/runs.md, docs/commands.md).
#
#   hgm run {output}                 # live progress; Ctrl-C stops, `hgm resume` continues
#   hgm status runs/{name}
#   hgm tree runs/{name}
#   hgm best runs/{name}             # the agent the run ships, with its interval
#   hgm certify runs/{name}          # the shipped agent vs the root on held-out tasks

[run]
name = "{name}"
# (the run directory is runs/<name> unless `hgm run --run-dir` says otherwise)
seed = 0                 # drives every random draw (search, task split, sandbox order)
workers = {workers}              # jobs (self-modifications, evaluations) at the same time

[budget]
task_evals = {task_evals}         # task evaluations: the paper's budget unit
{money_line}
# wall_clock_s = 7200    # optional: stop after this many seconds

[policy]
kind = "hgm"             # hgm | dgm | sica | greedy | random

[select]
rule = "best-belief"     # best-belief | best-mean | lcb: the agent the run ships
epsilon = 0.01           # best-belief: the epsilon-quantile of Beta(1 + s, 1 + f)

[world]
kind = "real"            # real coding agents that rewrite their own code

[world.agent]
source = "seed"          # the shipped seed agent; or a directory, or a git repository (+ ref)
"""

_SCRIPTED = """
# The offline scripted demo model instead of [world.llm]: NOT an LLM. Each task has a
# hidden skill category; the model solves it only when the agent's own system prompt holds
# that category's guideline, so self-modifications really change results. No key, no cost.
[world.quickstart]
categories = 6           # hidden skill categories (one needs no guideline)
broken_share = 0.15      # self-modifications that break the agent (validation rejects them)
harmful_share = 0.10     # self-modifications that delete earlier guidelines (dead ends)
"""

_OPENAI = """
# OpenAI: `export OPENAI_API_KEY=...` first. The key stays in the hgm process; agents only
# ever see a per-job token of the local gateway.
[world.llm.providers.openai]
kind = "openai"
api_key_env = "OPENAI_API_KEY"
{roles}
[world.llm.budgets]
run_usd = {run_usd}            # the gateway refuses calls beyond this (the whole run)
job_usd = {job_usd}            # ... and beyond this per job
"""

_ANTHROPIC = """
# Anthropic: `export ANTHROPIC_API_KEY=...` first. The key stays in the hgm process.
[world.llm.providers.anthropic]
kind = "anthropic"
api_key_env = "ANTHROPIC_API_KEY"
{roles}
[world.llm.prices.claude-sonnet-4-5]
input_per_m = 3.0        # USD per million input tokens
output_per_m = 15.0      # USD per million output tokens

[world.llm.budgets]
run_usd = {run_usd}            # the gateway refuses calls beyond this (the whole run)
job_usd = {job_usd}            # ... and beyond this per job
"""

_COMPATIBLE = """
# Any OpenAI-compatible server on this machine or your network, no key:
#   vLLM:      vllm serve Qwen/Qwen2.5-Coder-32B-Instruct   -> http://localhost:8000/v1
#   Ollama:    ollama serve (model e.g. qwen2.5-coder:32b)    -> http://localhost:11434/v1
#   llama.cpp: llama-server -m model.gguf --jinja             -> http://localhost:8080/v1
# `hgm llm check` (and `hgm run` before it starts) checks the model name against the
# server's list, reads its context window, and asks once for a tool call: a model whose chat
# template drops tools gets the text protocol (tool_protocol = "auto").
[world.llm.providers.local]
kind = "openai"
base_url = "http://localhost:8000/v1"
api_key_env = ""         # no key; name an environment variable here if your server wants one
{roles}
[world.llm.budgets]
job_tokens = 400000      # a local model costs no money; cap tokens per job instead
"""

_ROLE = """
[world.llm.roles.{role}]   # {what}
provider = "{provider}"
model = "{model}"
{price}"""

_ROLES = (
    ("task", "solves benchmark tasks"),
    ("self_improve", "edits the agent's own code"),
    ("diagnose", "reads a failure and writes the problem statement"),
)

_MODELS = {
    "openai": ("openai", "gpt-4.1-mini", ""),
    "anthropic": ("anthropic", "claude-sonnet-4-5", ""),
    "openai-compatible": (
        "local",
        "Qwen/Qwen2.5-Coder-32B-Instruct",
        "price = { input_per_m = 0.0, output_per_m = 0.0 }\n"
        "max_tokens = 4096         # longest reply per call; reply + prompt must fit the window\n"
        'tool_protocol = "auto"    # auto | native | text\n'
        "# context_window = 32768  # only for a server that does not report its window\n",
    ),
}

_BENCH = {
    "exercises": """
[world.bench]
name = "exercises"       # 13 built-in exercises in C++, Go, Java, JavaScript, Python, Rust
# options = { languages = "python,go" }   # only languages whose toolchain you have (hgm doctor)
# path = "my-exercises"  # or your own Exercism-layout tasks

[world.bench.subset]
heldout_size = 4         # never searched on: `hgm certify` compares agents on these
seed = 0
""",
    "humaneval": """
[world.bench]
name = "humaneval"       # 164 Python problems, graded with plain python in the sandbox

[world.bench.subset]
size = 30                # searched on (a seeded sample)
heldout_size = 30        # never searched on: `hgm certify` compares agents on these
seed = 0
""",
    "swe-local": """
[world.bench]
name = "swe-local"       # built-in SWE-style instances: small repositories with failing tests
# path = "instances.jsonl"   # or your own instances (JSON/JSONL)

[world.bench.subset]
heldout_size = 2         # never searched on: `hgm certify` compares agents on these
seed = 0
""",
    "polyglot": """
[world.bench]
name = "polyglot"        # `hgm bench fetch polyglot`, then `hgm bench setup polyglot`
# path = "polyglot-benchmark"   # or a checkout of your own
# options = { languages = "python,rust" }   # also all_tests, include_no_signal

[world.bench.subset]
size = 60                # searched on (a seeded sample)
heldout_size = 60        # never searched on: `hgm certify` compares agents on these
seed = 0
""",
    "swebench": """
[world.bench]
name = "swebench"        # SWE-bench instances (repositories are cloned and built: slow, big)
options = { dataset = "princeton-nlp/SWE-bench_Verified", split = "test" }

[world.bench.subset]
size = 60                # searched on (a seeded sample)
heldout_size = 40        # never searched on: `hgm certify` compares agents on these
seed = 0
""",
}

_SANDBOX = """
[world.sandbox]
kind = "bubblewrap"      # bubblewrap (Linux, no root) | docker | unsafe-local (no isolation!)

[world.limits]
max_steps = {steps}           # LLM calls per agent run
wall_clock_s = {wall}       # the agent's own time limit per task
memory_mb = {memory}
# max_diff_mb = 4            # cap on the diff taken from the agent's repository (MiB)
"""

# Sizes per benchmark: workers, task evaluations, money cap, run/job USD, steps, wall, memory.
_SIZES = {
    "exercises": (2, 100, 5.0, 6.0, 0.25, 30, 600, 2048),
    "humaneval": (2, 100, 5.0, 6.0, 0.25, 20, 300, 2048),
    "swe-local": (2, 60, 5.0, 6.0, 0.5, 40, 900, 2048),
    "polyglot": (4, 400, 80.0, 90.0, 2.0, 50, 1200, 4096),
    "swebench": (4, 200, 200.0, 220.0, 3.0, 80, 2400, 8192),
}


def _roles(provider: str) -> str:
    name, model, price = _MODELS[provider]
    return "".join(
        _ROLE.format(role=role, what=what, provider=name, model=model, price=price)
        for role, what in _ROLES
    )


def starter_config(bench: str, provider: str, output: str = "run.toml") -> str:
    """The commented starter config for `bench` and `provider` (see the module docstring)."""
    if bench not in BENCHES:
        raise UserError(f"--bench {bench!r} is not allowed; use one of {', '.join(BENCHES)}")
    if provider not in PROVIDERS:
        raise UserError(
            f"--provider {provider!r} is not allowed; use one of {', '.join(PROVIDERS)}"
        )
    workers, evals, money, run_usd, job_usd, steps, wall, memory = _SIZES[bench]
    scripted = provider == "scripted"
    if scripted or provider == "openai-compatible":
        money_line = "# money_usd = 1.0        # optional: stop at this spend (this model is free)"
    else:
        money_line = f"money_usd = {money}         # stop the run when this much is spent"
    if scripted:
        workers, evals = 2, 60
        model_block = _SCRIPTED
    else:
        template = {"openai": _OPENAI, "anthropic": _ANTHROPIC, "openai-compatible": _COMPATIBLE}
        model_block = template[provider].format(
            roles=_roles(provider), run_usd=run_usd, job_usd=job_usd
        )
    provider_text = {
        "scripted": "the offline scripted demo model",
        "openai": "an OpenAI model",
        "anthropic": "an Anthropic model",
        "openai-compatible": "a model on an OpenAI-compatible server",
    }[provider]
    name = f"{bench}-{provider}"
    header = _HEADER.format(
        bench=bench,
        provider_text=provider_text,
        output=output,
        name=name,
        workers=workers,
        task_evals=evals,
        money_line=money_line,
    )
    sandbox = _SANDBOX.format(steps=steps, wall=wall, memory=memory)
    return header + model_block + _BENCH[bench] + sandbox
