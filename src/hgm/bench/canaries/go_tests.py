"""Canaries for Go test files (`func TestX(t *testing.T)`): every failure check negated.

Go tests fail through `t.Error`, `t.Errorf`, `t.Fatal`, ... inside `if` blocks, usually over
tables of cases whose expectations are not literals in the test. A twin negates the
condition of every `if` whose block calls one of them directly, so at the first check it
reaches exactly one of the twin and the real test fails. A negated check no longer guards
the code after it (`if err != nil { t.Fatal(err) }`), and in Go a panic in a test ends the
whole test binary, so the twin's test function and every `func(t *testing.T)` in it turn a
panic into a failure of their own.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hgm.bench.canaries.brace import Edit, File, Unit, rewriter

TEST_NAME = re.compile(r"^Test(?![a-z])")
FAILURES = frozenset({"Error", "Errorf", "Fatal", "Fatalf", "Fail", "FailNow"})
RECOVER = ' defer func() {{ if r := recover(); r != nil {{ {0}.Errorf("panic: %v", r) }} }}()\n'


def _testers(file: File, unit: Unit) -> list[tuple[int, str]]:
    """(opening brace, parameter name) of the test and each `func(t *testing.T) {` in it."""
    found: list[tuple[int, str]] = []
    for index in range(unit.first, unit.body[1]):
        if not (file.is_(index, "func") or index == unit.first) or not file.is_(index + 1, "("):
            opening = index + 2 if index == unit.first else -1
            if opening < 0 or not file.is_(opening, "("):
                continue
        else:
            opening = index + 1
        close = file.pairs[opening]
        params = [t.text for t in file.tokens[opening + 1 : close]]
        if len(params) != 5 or params[1:] != ["*", "testing", ".", "T"]:
            continue
        if file.is_(close + 1, "{"):
            found.append((close + 1, params[0]))
    return found


def _recovers(file: File, unit: Unit) -> list[tuple[int, int, str]]:
    """Insertions that turn a panic into a failure in the test and each function it runs."""
    spans: list[tuple[int, int, str]] = []
    for brace, name in _testers(file, unit):
        at = file.tokens[brace].end
        spans.append((at, at, RECOVER.format(name)))
    return spans


def _fails_directly(file: File, block: int, testers: set[str]) -> bool:
    """True when the block at `block` calls `t.Error...(` itself (`t` a `*testing.T`),
    outside nested blocks."""
    index, close = block + 1, file.pairs[block]
    while index < close:
        if file.is_(index, "{") and index in file.pairs:
            index = file.pairs[index] + 1
            continue
        token = file.tokens[index]
        if (
            token.text in FAILURES
            and file.is_(index - 1, ".")
            and file.tokens[index - 2].text in testers
            and file.is_(index + 1, "(")
        ):
            return True
        index += 1
    return False


def _checks(file: File, unit: Unit) -> list[tuple[int, int]]:
    """(first, last) token of the condition of every `if` whose block fails the test."""
    testers = {name for _, name in _testers(file, unit)}
    found: list[tuple[int, int]] = []
    for index in range(unit.body[0] + 1, unit.body[1]):
        if not file.is_(index, "if") or file.tokens[index].kind != "ident":
            continue
        block, start = index + 1, index + 1
        while block < unit.body[1] and not file.is_(block, "{"):
            if file.is_(block, ";"):
                start = block + 1
            block = file.after(block)
        if block > start and file.is_(block, "{") and _fails_directly(file, block, testers):
            found.append((start, block - 1))
    return found


class GoDialect:
    language = "go"

    def units(self, file: File) -> list[Unit]:
        found: list[Unit] = []
        for index, token in enumerate(file.tokens):
            name = file.tokens[index + 1] if index + 1 < len(file.tokens) else None
            if token.text != "func" or name is None or not TEST_NAME.match(name.text):
                continue
            if file.parents[index] != -1 or not file.is_(index + 2, "("):
                continue
            if not file.has(index + 2, file.pairs[index + 2], "testing"):
                continue
            body = file.pairs[index + 2] + 1
            if not file.is_(body, "{"):
                continue
            unit = Unit(index, file.pairs[body], index + 1, (body, file.pairs[body]), -1, True)
            found.append(unit if _checks(file, unit) else replace(unit, twinnable=False))
        return found

    def fresh_name(self, token: str) -> str:
        return f"Test_{token}"

    def report_name(self, text: str) -> str:
        return text

    def edits(self, file: File, unit: Unit) -> list[Edit]:
        checks = _checks(file, unit)
        if not checks:
            return []
        spans: list[tuple[int, int, str]] = []
        for first, last in checks:
            start, end = file.tokens[first].start, file.tokens[last].end
            spans += [(start, start, "!("), (end, end, ")")]
        change = f"negates its {len(checks)} failure check(s)"
        return [Edit((*spans, *_recovers(file, unit)), change, False)]

    def fallback(self, file: File, name: str) -> tuple[int, str] | None:
        if '"testing"' not in file.source:
            return None
        body = '\tif 1+1 != 3 {\n\t\tt.Fatal("1 + 1 is not 3")\n\t}\n'
        return len(file.source), f"\nfunc {name}(t *testing.T) {{\n{body}}}\n"


go_canaries = rewriter(GoDialect())
