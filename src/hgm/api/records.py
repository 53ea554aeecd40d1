"""Rows read from a run, as plain frozen dataclasses, and `Records`: a sequence of them that
turns into a pandas DataFrame (`to_pandas()`, with the optional `pandas` extra)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from hgm.errors import UserError
from hgm.store.agent_counts import Agent

__all__ = [
    "Agent",
    "CertifiedTask",
    "Costs",
    "Evaluation",
    "Expansion",
    "Records",
    "RoleUsage",
    "RunOutcome",
]

if TYPE_CHECKING:
    import pandas

Row = TypeVar("Row")
PANDAS_HINT = "pip install 'huxley-godel-machine[pandas]' (or pip install pandas)"


class Records(Sequence[Row], Generic[Row]):
    """An immutable sequence of rows of one dataclass type, convertible to a DataFrame."""

    __slots__ = ("_kind", "_rows")

    def __init__(self, kind: type[Row], rows: Iterable[Row] = ()) -> None:
        self._kind = kind
        self._rows = tuple(rows)

    @property
    def columns(self) -> list[str]:
        """The row type's field names: the DataFrame's columns, in order."""
        return [f.name for f in fields(self._kind)]  # type: ignore[arg-type]

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> Records[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | Records[Row]:
        if isinstance(index, slice):
            return Records(self._kind, self._rows[index])
        return self._rows[index]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Records):
            return self._rows == other._rows
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._rows)

    def __repr__(self) -> str:
        return f"Records[{self._kind.__name__}]({len(self._rows)} rows)"

    def to_dicts(self) -> list[dict[str, Any]]:
        """Each row as a dict (JSON-ready when its values are)."""
        return [asdict(row) for row in self._rows]  # type: ignore[call-overload]

    def to_pandas(self) -> pandas.DataFrame:
        """A DataFrame with one row per record and one column per field (even when empty)."""
        try:
            import pandas
        except ImportError:
            raise UserError(f"to_pandas() needs pandas: {PANDAS_HINT}") from None
        return pandas.DataFrame(self.to_dicts(), columns=self.columns)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One finished evaluation of `agent` on `task` (times on the engine's clock, seconds).

    `tampered`: the grading found the solution attacking it (never a success);
    `tamper_evidence` and `suspicious` say what was seen (a real world's grades only)."""

    job: int
    agent: int
    task: str
    success: bool
    started: float
    finished: float
    cost_usd: float
    tampered: bool
    tamper_evidence: tuple[str, ...]
    suspicious: tuple[str, ...]
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Expansion:
    """One finished expansion (self-modification) of `parent`: `admitted` when `child`
    joined the tree, else `reason` says why it failed."""

    job: int
    parent: int
    child: int
    admitted: bool
    reason: str
    cost_usd: float
    started: float
    finished: float
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CertifiedTask:
    """One (agent, held-out task) graded by `certify`."""

    agent: int
    task: str
    success: bool
    cost_usd: float
    duration: float
    finished: float


@dataclass(frozen=True, slots=True)
class RoleUsage:
    """What the LLM gateway recorded for one role: calls, tokens, money."""

    role: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True, slots=True)
class Costs:
    """Money spent by a run: by kind of job, and per LLM role when a gateway recorded calls
    (`llm_calls` counts every call, certification and smoke runs included)."""

    money_usd: float
    evaluations_usd: float
    expansions_usd: float
    certifications_usd: float
    by_role: Records[RoleUsage]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How one drive of a run (`hgm.start`, `hgm.resume`) ended.

    `reason`: "budget", "wall-clock", "money", "no-work" (finished), "stopped" (a clean
    stop: resume continues), or "paused" (repeated infrastructure failures: `pause` says
    which component failed and how; fix it, then resume). Counts cover every session."""

    reason: str
    evaluations_started: int
    evaluations_finished: int
    agents: int
    expansions_started: int
    failed_expansions: int
    money_usd: float
    elapsed_s: float
    interrupted_jobs: int
    requeued_jobs: int
    pause: str | None
