"""The text the `diagnose` model reads (after the published DGM/HGM diagnosis prompts).

Markers such as `TASK ID:` and `ENTRY:` begin their own lines, so that a scripted model
(tests, the offline quick start) can recognise what is asked.
"""

from __future__ import annotations

SYSTEM = """\
You are a senior engineer improving an autonomous coding agent. The agent's own source code
is below, together with how it has changed so far and how it did on a benchmark task. Find
the most useful single improvement to the agent's code (its prompts, tools, or loop), one
that makes it better at coding tasks in general, not at this one task only."""

ANSWER_FORMAT = """\
Answer with one JSON object and nothing else, with exactly these keys:
{
  "log_summary": "what the agent did and where it went wrong (short)",
  "potential_improvements": ["a few general improvements to the agent's code"],
  "improvement_proposal": "the ONE improvement to make now",
  "implementation_suggestion": "how to implement it in the agent's code: files and changes",
  "problem_description": "an issue-style problem statement for an engineer who will change \
the agent's code (say what to change and why, not how the task is solved)"
}"""

ENTRY_QUESTIONS = {
    "failed_task": "The agent failed this task. Why, and what change to the agent would have "
    "helped?",
    "sample_task": "The agent has not been evaluated yet. What change to the agent would most "
    "likely help it on tasks like this one?",
    "empty_patches": "The agent often finishes without changing any file (an empty patch). "
    "What change to the agent would make it always produce a real edit?",
    "stochasticity": "The agent fails tasks that earlier versions solved: its results vary "
    "from run to run. What change would make it more reliable?",
    "context_length": "Some runs stopped because the conversation outgrew the model's context "
    "window. What change to the agent would keep its context small enough?",
}

RETRY = """\
Your answer was not the JSON object asked for ({problem}). Answer again with only the JSON
object, with the keys log_summary, potential_improvements, improvement_proposal,
implementation_suggestion and problem_description."""

SELF_IMPROVE = """\
improve yourself: the repository is your own source code (a coding agent). Change it to
resolve the problem below. Keep the agent contract described in AGENT.md working, keep its
unit tests passing (`python -m unittest discover -s tests`), and add or update tests for
what you change.

{problem}

Implementation suggestion: {suggestion}"""
