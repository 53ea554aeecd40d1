"""Canaries for brace-language test files (Rust, Go, Java, C++, JavaScript), as text edits.

A dialect finds the test units of a file (a `#[test] fn`, a `func TestX`, an `@Test` method,
a `TEST_CASE`, a `test('...', ...)` call) and the checks in a unit that run whenever it
passes (statements directly in its body; Go: every `if` that fails the test). The engine
renames every unit, copies some of them with one check perturbed (a literal expectation
takes another value of its type, else the check is negated) next to a random sibling, and
falls back to a test that always fails when no copy can be made.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hgm.bench.canaries.perturb import perturb_literal
from hgm.bench.canaries.plan import CANARY_COUNT, Canary, CanaryPlan, fresh_token
from hgm.bench.canaries.tokens import TokenizeError, brackets, tokenize

LITERAL_KINDS = frozenset({"number", "string", "char"})
EXPECTED_NAMES = frozenset({"expected", "expect", "want", "wanted", "expected_result"})
DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b", re.M)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replacements (start, end, text) in the source, and what they change, for a reader."""

    spans: tuple[tuple[int, int, str], ...]
    change: str
    value: bool  # a changed expectation (preferred) rather than a negated check


@dataclass(frozen=True, slots=True)
class Unit:
    """One test: its first and last token, the token holding its name, its body braces."""

    first: int
    last: int
    name: int
    body: tuple[int, int]
    parent: int  # the enclosing `{` (-1 at top level): twins go among their siblings
    twinnable: bool


class File:
    """A tokenized test file: tokens, bracket pairs, and helpers over them."""

    def __init__(self, source: str, language: str) -> None:
        self.source = source
        self.language = language
        self.tokens = tokenize(source, language)
        self.pairs = brackets(self.tokens)
        self.parents: list[int] = []
        stack: list[int] = [-1]
        for index, token in enumerate(self.tokens):
            if token.text == "}" and token.kind == "punct":
                stack.pop()
            self.parents.append(stack[-1])
            if token.text == "{" and token.kind == "punct":
                stack.append(index)

    def has(self, first: int, last: int, *texts: str) -> bool:
        return any(self.tokens[i].text in texts for i in range(first, last + 1))

    def after(self, index: int) -> int:
        """The index after the bracket group starting at `index` (or after the token)."""
        return self.pairs[index] + 1 if index in self.pairs else index + 1

    def text(self, first: int, last: int) -> str:
        return self.source[self.tokens[first].start : self.tokens[last].end]

    def is_(self, index: int, *texts: str) -> bool:
        return 0 <= index < len(self.tokens) and self.tokens[index].text in texts

    def statements(self, body: tuple[int, int]) -> list[tuple[int, int]]:
        """(first, last) token of each `;`-ended statement directly inside a `{...}` body."""
        found: list[tuple[int, int]] = []
        index, start = body[0] + 1, body[0] + 1
        while index < body[1]:
            token = self.tokens[index]
            if token.kind == "punct" and token.text in ("(", "[", "{") and index in self.pairs:
                index = self.pairs[index] + 1
                if self.tokens[index - 1].text == "}" and not self.is_(index, ";", ")", ".", ","):
                    start = index  # a block statement (if, for, ...) ends here
                continue
            if token.kind == "punct" and token.text == ";":
                found.append((start, index))
                start = index + 1
            index += 1
        return found

    def split(self, opening: int, separator: str = ",") -> list[tuple[int, int]]:
        """The (first, last) tokens of each argument inside the bracket at `opening`."""
        close = self.pairs[opening]
        parts: list[tuple[int, int]] = []
        index, start = opening + 1, opening + 1
        while index < close:
            if self.tokens[index].text in ("(", "[", "{") and index in self.pairs:
                index = self.pairs[index] + 1
                continue
            if self.tokens[index].text == separator:
                parts.append((start, index - 1))
                start = index + 1
            index += 1
        if start <= close - 1:
            parts.append((start, close - 1))
        return [part for part in parts if part[0] <= part[1]]

    def condition(self, offset: int) -> tuple[int, ...]:
        """The preprocessor branches (`#if`/`#elif`/`#else` offsets) in force at `offset`:
        code under different ones may not be built together (C++ only has them)."""
        stack: list[int] = []
        for match in DIRECTIVE.finditer(self.source, 0, offset):
            kind = match.group(1)
            if kind.startswith("if"):
                stack.append(match.start())
            elif kind == "endif":
                if stack:
                    stack.pop()
            elif stack:
                stack[-1] = match.start()
        return tuple(stack)

    def line_start(self, offset: int) -> int:
        return self.source.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        end = self.source.find("\n", offset)
        return len(self.source) if end < 0 else end + 1


LITERAL_PUNCT = frozenset("()[]{},-+&!.<>:") | {"::"}


def literal_positions(file: File, first: int, last: int, names: frozenset[str]) -> list[int] | None:
    """The literal tokens of tokens[first..last] if that expression holds nothing but literals,
    brackets, `+`/`-`, object keys and the given constructor names; else None."""
    found: list[int] = []
    for index in range(first, last + 1):
        token = file.tokens[index]
        key = file.is_(index + 1, ":")
        if token.kind in LITERAL_KINDS or token.text in ("true", "false"):
            if not key:
                found.append(index)
        elif token.kind == "ident" and (token.text in names or key):
            continue
        elif not (token.kind == "punct" and token.text in LITERAL_PUNCT):
            return None
    return found or None


def value_edits(file: File, positions: list[int], language: str, what: str) -> list[Edit]:
    """One edit per literal that can change: `what` names the check for a reader."""
    edits: list[Edit] = []
    for index in positions:
        token = file.tokens[index]
        changed = perturb_literal(token, language)
        if changed is not None and changed != token.text:
            change = f"{what} {changed} instead of {token.text}"
            edits.append(Edit(((token.start, token.end, changed),), change, True))
    return edits


def negation(start: int, end: int, text: str, change: str) -> Edit:
    return Edit(((start, end, text),), change, False)


def wrapped_negation(file: File, first: int, last: int) -> Edit:
    """`X` -> `!(X)`: the check asserts the opposite."""
    start, end = file.tokens[first].start, file.tokens[last].end
    return Edit(((start, start, "!("), (end, end, ")")), "asserts the opposite", False)


def statement_of(statements: list[tuple[int, int]], index: int) -> tuple[int, int] | None:
    return next((s for s in statements if s[0] <= index <= s[1]), None)


EqualityUse = Callable[[File, tuple[int, int], int], bool]
Binding = Callable[[File, tuple[int, int]], tuple[int, int, int] | None]


def binding_edits(
    file: File, unit: Unit, binding: Binding, equality_use: EqualityUse, names: frozenset[str]
) -> list[Edit]:
    """Changed literals in `let expected = ...;`-style bindings used only as expectations.

    `binding(file, statement)` gives (name, first, last) of a declaration's name token and
    initializer; every other use of the name in the unit must satisfy `equality_use`.
    """
    statements = file.statements(unit.body)
    edits: list[Edit] = []
    for statement in statements:
        found = binding(file, statement)
        if found is None or file.tokens[found[0]].text not in EXPECTED_NAMES:
            continue
        name_index, first, last = found
        name = file.tokens[name_index].text
        uses = [
            index
            for index in range(unit.body[0], unit.body[1])
            if file.tokens[index].text == name and index != name_index
        ]
        checks = [(statement_of(statements, index), index) for index in uses]
        if uses and all(s is not None and equality_use(file, s, i) for s, i in checks):
            positions = literal_positions(file, first, last, names)
            if positions:
                edits += value_edits(file, positions, file.language, f"sets {name} to")
    return edits


class Dialect(Protocol):
    language: str

    def units(self, file: File) -> list[Unit]: ...

    def fresh_name(self, token: str) -> str:
        """The name token's text for a fresh name (an identifier or a quoted string)."""
        ...

    def report_name(self, text: str) -> str:
        """The name a runner reports for a unit whose name token is `text`."""
        ...

    def edits(self, file: File, unit: Unit) -> list[Edit]:
        """Every way to perturb one check of `unit` that runs whenever it passes."""
        ...

    def fallback(self, file: File, name: str) -> tuple[int, str] | None:
        """Where to insert, and the text of, a test named `name` that always fails (None:
        this file cannot hold one)."""
        ...


def _aligned(file: File, unit: Unit) -> bool:
    tokens = file.tokens
    first_ok = unit.first == 0 or tokens[unit.first].newline_before
    last_ok = unit.last + 1 >= len(tokens) or tokens[unit.last + 1].newline_before
    return first_ok and last_ok


class Rewrite:
    """One file's rewrite under a dialect: renames, twins among siblings, or a fallback."""

    def __init__(self, source: str, dialect: Dialect) -> None:
        self.file = File(source, dialect.language)
        self.dialect = dialect
        self.renamed: dict[str, str] = {}
        self.kept: set[str] = set()
        self.canaries: list[Canary] = []
        self.spans: list[tuple[int, int, str]] = []

    def fresh(self) -> str:
        while True:
            token = fresh_token()
            if token not in self.file.source:
                return token

    def run(self, rng: random.Random, count: int) -> str:
        units = self.dialect.units(self.file)
        names: dict[int, str] = {}
        counts: dict[str, int] = {}
        for token in self.file.tokens:
            counts[token.text] = counts.get(token.text, 0) + 1
        for unit in units:
            token = self.file.tokens[unit.name]
            if token.kind == "ident" and counts[token.text] != 1:
                self.kept.add(self.dialect.report_name(token.text))
                continue  # used elsewhere by name: keep it
            fresh = self.dialect.fresh_name(self.fresh())
            names[unit.first] = fresh
            self.spans.append((token.start, token.end, fresh))
            report = self.dialect.report_name(fresh)
            self.renamed[report] = self.dialect.report_name(token.text)
        candidates = [
            u for u in units if u.twinnable and u.first in names and _aligned(self.file, u)
        ]
        rng.shuffle(candidates)
        for unit in candidates:
            if len(self.canaries) >= count:
                break
            edits = self.dialect.edits(self.file, unit)
            preferred = [edit for edit in edits if edit.value] or edits
            if preferred:
                self._twin(unit, rng.choice(preferred), names[unit.first], units, rng)
        if not self.canaries:
            name = self.dialect.fresh_name(self.fresh())
            fallback = self.dialect.fallback(self.file, name)
            if fallback is not None:
                self.spans.append((fallback[0], fallback[0], fallback[1]))
                report = self.dialect.report_name(name)
                self.canaries.append(Canary(report, None, "a test that always fails"))
        out = self.file.source
        for start, end, text in sorted(
            self.spans, key=lambda span: (span[0], span[1]), reverse=True
        ):
            out = out[:start] + text + out[end:]
        return out

    def _twin(
        self, unit: Unit, edit: Edit, twin: str, units: list[Unit], rng: random.Random
    ) -> None:
        file, tokens = self.file, self.file.tokens
        start = file.line_start(tokens[unit.first].start)
        end = file.line_end(tokens[unit.last].end - 1)
        name = self.dialect.fresh_name(self.fresh())
        name_token = tokens[unit.name]
        spans = [*edit.spans, (name_token.start, name_token.end, name)]
        text = file.source[start:end]
        for span_start, span_end, replacement in sorted(spans, reverse=True):
            text = text[: span_start - start] + replacement + text[span_end - start :]
        if not text.endswith("\n"):
            text += "\n"
        condition = file.condition(tokens[unit.first].start)
        siblings = [
            u
            for u in units
            if u.parent == unit.parent
            and _aligned(file, u)
            and file.condition(tokens[u.first].start) == condition
        ]  # the copy is built exactly when its twin is
        positions = [file.line_start(tokens[u.first].start) for u in siblings]
        after_last = file.line_end(tokens[siblings[-1].last].end - 1)
        where = rng.choice([*positions, after_last])
        if where == after_last:
            newline = "" if file.source[:where].endswith("\n") else "\n"
            self.spans.append((where, where, newline + "\n" + text))
        else:
            self.spans.append((where, where, text + "\n"))
        original = self.dialect.report_name(name_token.text)
        self.canaries.append(
            Canary(
                self.dialect.report_name(name),
                self.dialect.report_name(twin),
                f"a copy of {original} that {edit.change}",
            )
        )


def rewriter(dialect: Dialect) -> Callable[[str, random.Random, int], tuple[str, CanaryPlan]]:
    """The `RewriteTests` function of a dialect; a file it cannot read is left as it is."""

    def rewrite(text: str, rng: random.Random, count: int = CANARY_COUNT) -> tuple[str, CanaryPlan]:
        try:
            job = Rewrite(text, dialect)
            new_text = job.run(rng, count)
        except TokenizeError:
            return text, CanaryPlan()
        return new_text, CanaryPlan(tuple(job.canaries), job.renamed, frozenset(job.kept))

    return rewrite
