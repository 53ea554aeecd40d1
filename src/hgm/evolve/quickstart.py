"""The offline quick start's scripted model: a world where the agent's OWN CODE decides results.

This runs on the host (trusted) and may read reference solutions. Each task gets a hidden
skill category (from a hash of its id). Category 0 ("basics") needs nothing; every other
category has a guideline line. The scripted models, one per role, written as rule files:

- `task`: if the agent's system prompt (its coding_agent/prompts.py) holds the guideline
  of the task's category, write the reference solution with the editor, then finish;
  otherwise write a plausible wrong solution (the stub with a TODO), then finish.
- `diagnose`: for a failed task, answer the JSON asked for, whose problem statement asks
  to add that category's guideline to the system prompt (with a change id).
- `self_improve`: insert the guideline named in the problem statement into
  coding_agent/prompts.py with the editor. A deterministic share of change ids instead
  breaks the agent (its unit tests fail: validation rejects it) or first deletes every
  guideline the agent had (a harmful edit: a dead end for the search).

So a self-modification really changes what the model does, and the search has something
to find. The model is scripted: it is a demonstration of the machinery, not of an LLM.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any, Literal

from hgm.bench.diffs import apply_diff
from hgm.bench.types import Benchmark, Task
from hgm.errors import UserError
from hgm.llm.config import (
    GatewayConfig,
    ModelPrice,
    RoleModel,
    ScriptedProviderConfig,
    ScriptMatch,
    ScriptReply,
    ScriptRule,
    ScriptToolCall,
)
from hgm.runconfig.real_world import QuickstartSection

GUIDELINES: tuple[tuple[str, str | None], ...] = (
    ("basics", None),
    ("strings", "check string edge cases: empty input, case, whitespace and punctuation."),
    ("lists", "handle empty lists, single elements, duplicates and order explicitly."),
    ("numbers", "watch integer division, negative numbers, zero and rounding."),
    ("loops", "check loop bounds and off-by-one errors at both ends."),
    ("parsing", "split and parse input defensively and test the malformed pieces."),
    ("recursion", "write the base case first and make every call shrink the input."),
    ("ordering", "state the sort key and how ties are broken before sorting."),
)
PROMPTS_FILE = "coding_agent/prompts.py"
ANCHOR = "Call one tool at a time"
BREAK_IMPORT = "sed -i 's/^import json$/import json_module_that_does_not_exist/' " + PROMPTS_FILE
DROP_GUIDELINES = "sed -i '/^Guideline (/d' " + PROMPTS_FILE
Variant = Literal["plain", "broken", "harmful"]


def _unit(text: str, salt: str) -> float:
    digest = hashlib.sha256(f"{salt}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def skill_of(task_id: str, categories: int) -> int:
    """The hidden category of a task: 0 .. categories-1 (0 needs no guideline)."""
    return int(_unit(task_id, "hgm-quickstart-skill") * categories)


def guideline(category: int) -> str | None:
    name, text = GUIDELINES[category]
    return None if text is None else f"Guideline ({name}): {text}"


def variant_of(task_id: str, config: QuickstartSection) -> Variant:
    """What the self-modification made from a diagnosis of `task_id` does."""
    draw = _unit(task_id, "hgm-quickstart-variant")
    if draw < config.broken_share:
        return "broken"
    if draw < config.broken_share + config.harmful_share:
        return "harmful"
    return "plain"


def _call(name: str, **arguments: Any) -> ScriptToolCall:
    return ScriptToolCall(name=name, arguments=arguments)


def _rule(name: str, reply: list[ScriptToolCall] | str, **when: Any) -> ScriptRule:
    answer = ScriptReply(content=reply) if isinstance(reply, str) else ScriptReply(tool_calls=reply)
    return ScriptRule(name=name, when=ScriptMatch(**when), reply=answer)


def _solutions(
    benchmark: Benchmark, task: Task
) -> tuple[list[ScriptToolCall], list[ScriptToolCall]]:
    """Editor calls writing the reference solution, and ones writing a wrong one."""
    with tempfile.TemporaryDirectory(prefix="hgm-quickstart-") as scratch:
        pristine, solved = Path(scratch) / "pristine", Path(scratch) / "solved"
        benchmark.workspace(task, pristine)
        benchmark.workspace(task, solved)
        apply_diff(solved, benchmark.reference_diff(task))
        right, wrong = [], []
        for path in sorted(p for p in solved.rglob("*") if p.is_file()):
            relative = str(path.relative_to(solved))
            before = pristine / relative
            data = path.read_bytes()  # workspaces hold binary files too (jars, images)
            if before.is_file() and before.read_bytes() == data:
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise UserError(
                    f"task {task.id}: its reference solution changes the binary file "
                    f"{relative}; the scripted demo model writes text files only"
                ) from None
            right.append(_call("editor", command="create", path=relative, file_text=text))
            stub = before.read_text(errors="replace") if before.is_file() else ""
            wrong_text = stub + "\n# TODO: handle the remaining cases\n"
            wrong.append(_call("editor", command="create", path=relative, file_text=wrong_text))
    return right, wrong


def task_rules(benchmark: Benchmark, tasks: list[Task], categories: int) -> list[ScriptRule]:
    rules = []
    for task in tasks:
        marker = rf"Task {re.escape(task.id)} \("
        right, wrong = _solutions(benchmark, task)
        line = guideline(skill_of(task.id, categories))
        if line is None:
            rules.append(_rule(f"solve {task.id}", right, any_message=marker, turn=0))
            continue
        system = re.escape(line)
        rules.append(_rule(f"solve {task.id}", right, any_message=marker, system=system, turn=0))
        rules.append(_rule(f"miss {task.id}", wrong, any_message=marker, turn=0))
    return rules


def _diagnosis(task_id: str, line: str) -> str:
    name = line.split(")")[0].removeprefix("Guideline (")
    return json.dumps(
        {
            "log_summary": f"The agent wrote a solution for {task_id} that misses {name} cases.",
            "potential_improvements": [f"teach the agent the {name} habit", "more testing"],
            "improvement_proposal": f"Add the {name} guideline to the system prompt.",
            "implementation_suggestion": f"Insert the line before '{ANCHOR}' in {PROMPTS_FILE}.",
            "problem_description": (
                f"The agent keeps missing {name} cases. Add this line to the system prompt in "
                f"{PROMPTS_FILE}, on its own line just before '{ANCHOR}': {line} "
                f"(change id: {task_id})"
            ),
        }
    )


def diagnose_rules(tasks: list[Task], categories: int) -> list[ScriptRule]:
    rules = []
    for task in tasks:
        line = guideline(skill_of(task.id, categories))
        if line is not None:
            marker = rf"TASK ID: {re.escape(task.id)}\n"
            rules.append(_rule(f"diagnose {task.id}", _diagnosis(task.id, line), last_user=marker))
    return rules


def self_improve_rules(
    tasks: list[Task], categories: int, config: QuickstartSection
) -> list[ScriptRule]:
    rules = []
    for task in tasks:
        line = guideline(skill_of(task.id, categories))
        if line is None:
            continue
        marker = rf"change id: {re.escape(task.id)}\)"
        insert = _call(
            "editor",
            command="str_replace",
            path=PROMPTS_FILE,
            old_str=ANCHOR,
            new_str=f"{line}\n{ANCHOR}",
        )
        steps = {
            "plain": [insert],
            "broken": [insert, _call("bash", command=BREAK_IMPORT)],
            "harmful": [_call("bash", command=DROP_GUIDELINES), insert],
        }[variant_of(task.id, config)]
        for turn, step in enumerate(steps):
            rules.append(_rule(f"improve {task.id} {turn}", [step], any_message=marker, turn=turn))
    return rules


def _write(path: Path, rules: list[ScriptRule], summary: str) -> Path:
    finish = ScriptReply(tool_calls=[_call("finish", summary=summary)])
    data = {
        "rules": [rule.model_dump(mode="json", exclude_none=True) for rule in rules],
        "default_reply": finish.model_dump(mode="json", exclude_none=True),
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def quickstart_gateway(
    config: QuickstartSection, benchmark: Benchmark, tasks: list[Task], dest: Path
) -> GatewayConfig:
    """Write the three rule files under `dest` and return the gateway config serving them."""
    dest.mkdir(parents=True, exist_ok=True)
    n = config.categories
    price = ModelPrice(input_per_m=config.price_per_m, output_per_m=config.price_per_m)
    generic = ScriptReply(
        content=_diagnosis("none", "Guideline (general): read the task twice.").replace(
            "(change id: none)", "(no change id)"
        )
    )
    scripts = {
        "task": _write(dest / "task.json", task_rules(benchmark, tasks, n), "done"),
        "self_improve": _write(
            dest / "self_improve.json", self_improve_rules(tasks, n, config), "edited"
        ),
    }
    providers: dict[str, Any] = {
        role: ScriptedProviderConfig(script=path, price=price) for role, path in scripts.items()
    }
    providers["diagnose"] = ScriptedProviderConfig(
        rules=diagnose_rules(tasks, n), default_reply=generic, price=price
    )
    return GatewayConfig(
        providers=providers,
        roles={role: RoleModel(provider=role, model=f"quickstart-{role}") for role in providers},
    )
