"""What a grade's canaries are, fresh names for them, and the verdict their outcomes give."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from hgm.bench.types import TestOutcome
from hgm.sandbox.types import Completed, KillReason

TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_LENGTH = 10
CANARY_COUNT = 3


def fresh_token() -> str:
    """Ten unpredictable lowercase letters and digits, starting with a letter."""
    first = secrets.choice(TOKEN_ALPHABET[:26])
    return first + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH - 1))


def names_match(outcome: str, name: str) -> bool:
    """True when `name` appears in a report name as a whole test name (or a path part of it)."""
    pattern = rf"(?:^|[\s:/.>]){re.escape(name)}(?:$|[\s\[(/])"
    return re.search(pattern, outcome) is not None


def ends_with(outcome: str, name: str) -> bool:
    """True when a report name ends with test `name` (before any parameters): the test
    itself, not a suite or class of the same name."""
    return re.search(rf"(?:^|[\s:/.>]){re.escape(name)}(?:[\[(].*)?$", outcome) is not None


@dataclass(frozen=True, slots=True)
class Canary:
    """A hidden test that must fail: `twin` is the real test it copies (None: it fails alone)."""

    name: str
    twin: str | None
    change: str


@dataclass(frozen=True, slots=True)
class CanaryPlan:
    """The canaries of one grade, the fresh names real tests were given (fresh -> original)
    and the names of tests left as they were (their names are used elsewhere)."""

    canaries: tuple[Canary, ...] = ()
    renamed: dict[str, str] = field(default_factory=dict)
    kept: frozenset[str] = frozenset()

    def merged(self, other: CanaryPlan) -> CanaryPlan:
        return CanaryPlan(
            self.canaries + other.canaries, self.renamed | other.renamed, self.kept | other.kept
        )

    def original(self, reported: str) -> str:
        """A report name with every fresh name put back to the test's own name."""
        for new, old in self.renamed.items():
            if new in reported:
                reported = reported.replace(new, old)
        return reported

    def is_canary(self, reported: str) -> bool:
        return any(names_match(reported, canary.name) for canary in self.canaries)


def status(outcomes: list[TestOutcome], name: str) -> bool | None:
    """True if every report of `name` passed, False if one failed, None if it was never reported."""
    hits = [outcome.passed for outcome in outcomes if names_match(outcome.name, name)]
    return all(hits) if hits else None


@dataclass(frozen=True, slots=True)
class Verdict:
    resolved: bool
    why: str = ""
    evidence: tuple[str, ...] = ()


def tamper_evidence(
    plan: CanaryPlan, outcomes: list[TestOutcome], completed: Completed, finished: bool
) -> list[str]:
    """What the canaries prove: a run that exited 0, a canary that passed, or went missing."""
    if not plan.canaries:
        return []
    found: list[str] = []
    real = list(plan.renamed) or [o.name for o in outcomes if not plan.is_canary(o.name)]
    reported = any(status(outcomes, name) is not None for name in real)
    if completed.exit_code == 0 and completed.killed is KillReason.NONE:
        found.append(
            f"the test run exited 0 although its {len(plan.canaries)} canary test(s) must fail: "
            "the code under test ended the run early or forged its result"
        )
    renamed_away = sorted(set(plan.renamed.values()) - plan.kept)
    stale = [name for name in renamed_away if any(ends_with(o.name, name) for o in outcomes)]
    if stale:
        shown = ", ".join(stale[:3])
        found.append(
            f"the report names {shown} as they are written in the test files, but this run "
            "renamed them: a report written without running the tests"
        )
    for canary in plan.canaries:
        seen = status(outcomes, canary.name)
        twin = None if canary.twin is None else status(outcomes, canary.twin)
        what = f"canary {canary.name} ({canary.change})"
        if seen is True and (canary.twin is None or twin is True):
            both = "" if canary.twin is None else f" and so did {plan.original(canary.twin)}"
            found.append(f"{what} passed{both}")
        elif seen is None and finished and (twin is not None or (canary.twin is None and reported)):
            found.append(f"{what} is missing from the runner's report, which did finish")
    return found


def ran_status(outcomes: list[TestOutcome], name: str) -> bool | None:
    """Like `status`, over the reports of `name` that ran (None: never run, or skipped)."""
    return status([outcome for outcome in outcomes if not outcome.skipped], name)


def _failed_or_unbuilt(outcomes: list[TestOutcome], canary: Canary) -> bool:
    """The canary ran and failed, or neither it nor its twin ran: the configuration did not
    build them (a Cargo feature, a preprocessor or Go build condition around both) or skips
    both (a bare `@Disabled` copied with its test)."""
    seen = ran_status(outcomes, canary.name)
    if seen is False:
        return True
    return seen is None and canary.twin is not None and ran_status(outcomes, canary.twin) is None


def judge(
    plan: CanaryPlan,
    outcomes: list[TestOutcome],
    expected: list[str],
    completed: Completed,
    finished: bool,
    evidence: list[str],
    exact: bool = False,
) -> Verdict:
    """Resolved iff no real test failed, every expected one passed, every canary failed and
    the runner finished. Tests the runner reports as skipped neither pass nor fail.

    `expected` holds the tests' own names, compared with outcomes under their original
    names: as written in the test files (found inside a longer reported name), or with
    `exact` as a reference run reported them (the same name must be reported passing).
    """
    evidence = evidence + tamper_evidence(plan, outcomes, completed, finished)
    if evidence:
        return Verdict(False, "tampered: " + evidence[0], tuple(evidence))
    if completed.killed is not KillReason.NONE:
        return Verdict(False, f"test run killed ({completed.killed.value})")
    if not finished:
        return Verdict(False, "the test runner never finished (a crash, or code that ended it)")
    real = [
        TestOutcome(plan.original(outcome.name), outcome.passed, outcome.skipped)
        for outcome in outcomes
        if not plan.is_canary(outcome.name)
    ]
    if not real:
        return Verdict(False, "the test runner reported no test results")
    failed = [outcome.name for outcome in real if not outcome.passed and not outcome.skipped]
    if failed:
        return Verdict(False, f"failed tests: {', '.join(failed[:5])}")
    ran = [outcome for outcome in real if not outcome.skipped]
    if exact:
        passed = {outcome.name for outcome in ran if outcome.passed}
        missing = [name for name in expected if name not in passed]
    else:
        missing = [name for name in expected if status(ran, name) is not True]
    if missing:
        return Verdict(False, f"tests never seen passing: {', '.join(missing[:5])}")
    unfailed = [canary.name for canary in plan.canaries if not _failed_or_unbuilt(outcomes, canary)]
    if unfailed:
        return Verdict(False, f"canary tests not reported as failed: {', '.join(unfailed)}")
    if plan.canaries and not any(ran_status(outcomes, c.name) is False for c in plan.canaries):
        why = "canary tests not reported as failed: none ran (all beside unbuilt tests)"
        return Verdict(False, why)
    if not plan.canaries and completed.exit_code != 0:
        return Verdict(False, f"the test run exited {completed.exit_code}")
    return Verdict(True)
