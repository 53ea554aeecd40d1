"""Fitting a prompt made of named parts into a model's context window.

The window minus the reply (`max_tokens`) is the prompt's budget. Tokens are estimated from
characters, conservatively (CHARS_PER_TOKEN is below the ~4 of English prose because code
and JSON tokenize denser). When the parts do not fit, the largest are cut first, each in
the middle, down to a common size (the smaller parts stay whole), and what was cut is
reported. A provider that still says the prompt is too long gives the real sizes; the
caller shrinks the budget by that ratio and fits again (`shrink_factor`).
"""

from __future__ import annotations

from dataclasses import dataclass

CHARS_PER_TOKEN = 3.0
SAFETY = 0.9  # of the budget: chat templates add tokens of their own
SHRINK_WITHOUT_SIZES = 0.7
_MARKER = "\n[... {cut} characters cut to fit the model's context window ...]\n"
_MARKER_CHARS = len(_MARKER.format(cut=10**9))


@dataclass(frozen=True, slots=True)
class Trimmed:
    """One part that was shortened: its name, its size and what was kept (characters)."""

    part: str
    chars: int
    kept: int

    def describe(self) -> str:
        return f"{self.part} ({self.chars:,} -> {self.kept:,} characters)"


def cut_middle(text: str, limit: int) -> str:
    """`text` with its middle cut out so that it is at most `limit` characters long."""
    if len(text) <= limit:
        return text
    keep = max(0, limit - _MARKER_CHARS)
    head = keep // 2
    tail = keep - head
    marker = _MARKER.format(cut=len(text) - keep)
    return text[:head] + marker + (text[-tail:] if tail else "")


def budget_chars(prompt_tokens: int, fixed_chars: int, scale: float = 1.0) -> int:
    """Characters the variable parts may take: the token budget in characters, less the
    fixed text, scaled by `scale` (< 1 after the provider said the prompt was too long)."""
    return max(0, int(prompt_tokens * CHARS_PER_TOKEN * SAFETY * scale) - fixed_chars)


def fit_parts(parts: dict[str, str], budget: int) -> tuple[dict[str, str], list[Trimmed]]:
    """`parts` within `budget` characters in total, the largest cut first (see the module
    docstring), and the list of parts that were cut."""
    sizes = {name: len(text) for name, text in parts.items()}
    if sum(sizes.values()) <= budget:
        return dict(parts), []
    # Water-filling: the largest common cap such that the parts, each cut to it, fit.
    ordered = sorted(sizes.values())
    remaining, count, cap = budget, len(ordered), 0
    for index, size in enumerate(ordered):
        share = remaining // (count - index)
        if size <= share:
            remaining -= size
            continue
        cap = share
        break
    fitted: dict[str, str] = {}
    trimmed: list[Trimmed] = []
    for name, text in parts.items():
        if len(text) > cap:
            fitted[name] = cut_middle(text, cap)
            trimmed.append(Trimmed(name, len(text), len(fitted[name])))
        else:
            fitted[name] = text
    return fitted, sorted(trimmed, key=lambda item: -item.chars)


def shrink_factor(error: dict[str, object], prompt_budget: int | None) -> float:
    """How much smaller the next attempt's budget must be after a context overflow."""
    sent, window = error.get("prompt_tokens"), error.get("context_window")
    if isinstance(sent, int) and sent > 0 and isinstance(window, int):
        allowed = prompt_budget if prompt_budget is not None else window
        return max(0.1, min(SHRINK_WITHOUT_SIZES, allowed / sent * SAFETY))
    return SHRINK_WITHOUT_SIZES
