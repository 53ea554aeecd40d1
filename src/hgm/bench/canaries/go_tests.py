"""Canaries for Go test files (`func TestX(t *testing.T)`): every failure check negated.

Go tests fail through `t.Error`, `t.Errorf`, `t.Fatal`, ... inside `if` blocks, usually over
tables of cases whose expectations are not literals in the test. A twin negates the
condition of every `if` whose block calls one of them directly, so at the first check it
reaches exactly one of the twin and the real test fails.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hgm.bench.canaries.brace import Edit, File, Unit, rewriter

TEST_NAME = re.compile(r"^Test(?![a-z])")
FAILURES = frozenset({"Error", "Errorf", "Fatal", "Fatalf", "Fail", "FailNow"})


def _fails_directly(file: File, block: int) -> bool:
    """True when the block at `block` calls `x.Error...(` itself, outside nested blocks."""
    index, close = block + 1, file.pairs[block]
    while index < close:
        if file.is_(index, "{") and index in file.pairs:
            index = file.pairs[index] + 1
            continue
        token = file.tokens[index]
        if (
            token.text in FAILURES
            and file.is_(index - 1, ".")
            and file.tokens[index - 2].kind == "ident"
            and file.is_(index + 1, "(")
        ):
            return True
        index += 1
    return False


def _checks(file: File, unit: Unit) -> list[tuple[int, int]]:
    """(first, last) token of the condition of every `if` whose block fails the test."""
    found: list[tuple[int, int]] = []
    for index in range(unit.body[0] + 1, unit.body[1]):
        if not file.is_(index, "if") or file.tokens[index].kind != "ident":
            continue
        block, start = index + 1, index + 1
        while block < unit.body[1] and not file.is_(block, "{"):
            if file.is_(block, ";"):
                start = block + 1
            block = file.after(block)
        if block > start and file.is_(block, "{") and _fails_directly(file, block):
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
        return [Edit(tuple(spans), change, False)]

    def fallback(self, file: File, name: str) -> tuple[int, str] | None:
        if '"testing"' not in file.source:
            return None
        body = '\tif 1+1 != 3 {\n\t\tt.Fatal("1 + 1 is not 3")\n\t}\n'
        return len(file.source), f"\nfunc {name}(t *testing.T) {{\n{body}}}\n"


go_canaries = rewriter(GoDialect())
