"""The diagnosis prompt fit into the `diagnose` model's context window, and the
self-modification task fit into the `self_improve` model's.

`DiagnosisPrompt(given, prompt_tokens)` builds the messages with the parts of `given` cut
to fit the window minus the reply (see `hgm.evolve.prompt_fit`), and `refit(error)` makes
them smaller after the provider still answered `context_length_exceeded`: the window the
error states becomes the budget when none was known, otherwise the budget shrinks by the
ratio of what fits to what was sent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hgm.evolve import diagnosis_prompt
from hgm.evolve.diagnosis import Diagnosis, DiagnosisInput, build_messages
from hgm.evolve.prompt_fit import budget_chars, fit_parts, shrink_factor

# The parts of a DiagnosisInput that may be cut to fit a window, with their names in the prompt.
FITTED_PARTS = {
    "source": "the agent's source code",
    "lineage": "the lineage diffs",
    "instructions": "the task's instructions",
    "trajectory": "the trajectory",
    "diff": "the agent's diff",
    "tests": "the hidden test results",
}
_NOTE_CHARS = 120  # per part, room for the note that says what was cut
# The self-modification task may take this share of the `self_improve` prompt budget; the
# rest is the agent's own system prompt, tools and the conversation it builds.
TASK_SHARE = 0.5


def fit_input(
    given: DiagnosisInput, prompt_tokens: int | None, scale: float = 1.0
) -> DiagnosisInput:
    """`given` with its parts cut to fit `prompt_tokens` (the window minus the reply; None:
    unknown) scaled by `scale`; `trimmed` says what was cut."""
    parts = {name: getattr(given, name) for name in FITTED_PARTS}
    if prompt_tokens is None:
        if scale >= 1.0:
            return given
        budget = int(sum(len(text) for text in parts.values()) * scale)
    else:
        empty = replace(given, **dict.fromkeys(FITTED_PARTS, ""))
        fixed = sum(len(message["content"]) for message in build_messages(empty))
        budget = budget_chars(prompt_tokens, fixed + _NOTE_CHARS * len(FITTED_PARTS), scale)
    fitted, trimmed = fit_parts(parts, budget)
    named = tuple(replace(item, part=FITTED_PARTS[item.part]) for item in trimmed)
    return replace(given, **fitted, trimmed=named)


class DiagnosisPrompt:
    """The diagnosis messages for `given`, fit to `prompt_tokens` (None: unknown window);
    `max_tokens` is the reply's share of a window an overflow error reveals."""

    def __init__(self, given: DiagnosisInput, prompt_tokens: int | None, max_tokens: int) -> None:
        self.given = given
        self.prompt_tokens = prompt_tokens
        self.max_tokens = max_tokens
        self.scale = 1.0
        self.fitted = fit_input(given, prompt_tokens)

    def messages(self) -> list[dict[str, str]]:
        return build_messages(self.fitted)

    def refit(self, error: dict[str, Any]) -> list[dict[str, str]]:
        window = error.get("context_window")
        if self.prompt_tokens is None and isinstance(window, int):
            self.prompt_tokens = max(256, window - self.max_tokens)
        else:
            self.scale *= shrink_factor(error, self.prompt_tokens)
        self.fitted = fit_input(self.given, self.prompt_tokens, self.scale)
        return self.messages()

    def trimmed(self) -> list[str]:
        return [item.describe() for item in self.fitted.trimmed]


def self_improve_task(diagnosis: Diagnosis, prompt_tokens: int | None) -> tuple[str, list[str]]:
    """The "improve yourself" instructions, their problem statement and suggestion cut (the
    longer first) to TASK_SHARE of `prompt_tokens` (None: unknown, nothing cut), and what
    was cut."""
    parts = {
        "the problem statement": diagnosis.problem_description,
        "the implementation suggestion": diagnosis.implementation_suggestion,
    }
    if prompt_tokens is not None:
        fixed = len(diagnosis_prompt.SELF_IMPROVE.format(problem="", suggestion=""))
        parts, trimmed = fit_parts(parts, budget_chars(int(prompt_tokens * TASK_SHARE), fixed))
    else:
        trimmed = []
    text = diagnosis_prompt.SELF_IMPROVE.format(
        problem=parts["the problem statement"], suggestion=parts["the implementation suggestion"]
    )
    return text, [item.describe() for item in trimmed]
