"""Canaries for jest-style files (`test('...', () => { ... })`): `expect(...)` matchers."""

from __future__ import annotations

from hgm.bench.canaries.brace import (
    Edit,
    File,
    Unit,
    binding_edits,
    literal_positions,
    negation,
    rewriter,
    value_edits,
)

TESTS = frozenset({"test", "it", "xtest", "xit", "fit"})
RUN_ALWAYS = frozenset({"test", "it", "xtest", "fit"})  # `xit` and `xdescribe` may be skipped
SKIPPED_SUITES = frozenset({"xdescribe"})
NAMES = frozenset({"null", "undefined", "NaN", "Infinity"})
VALUE_MATCHERS = frozenset({"toEqual", "toBe", "toStrictEqual", "toHaveLength"})


def _expectation(file: File, statement: tuple[int, int]) -> dict[str, int] | None:
    """Token indices of `expect(x)[.not][.resolves].matcher(args);`: keys expect, not, matcher."""
    first, last = statement
    if not (file.is_(first, "expect") and file.is_(first + 1, "(")):
        return None
    index = file.pairs[first + 1] + 1
    found = {"expect": first, "dot": index}
    while file.is_(index, ".") and index + 1 < last:
        word = file.tokens[index + 1].text
        if word == "not":
            found["not"] = index
        elif word == "rejects":
            return None
        elif word != "resolves":
            found["matcher"], found["dot"] = index + 1, index
            break
        index += 2
    matcher = found.get("matcher")
    if matcher is None or not file.is_(matcher + 1, "(") or file.pairs[matcher + 1] != last - 1:
        return None
    return found


def _skipped_regions(file: File) -> list[tuple[int, int]]:
    """The argument lists of `xdescribe(...)` and `describe.skip(...)`: tests there may not run."""
    regions: list[tuple[int, int]] = []
    for index, token in enumerate(file.tokens):
        if token.text in SKIPPED_SUITES and file.is_(index + 1, "("):
            regions.append((index + 1, file.pairs[index + 1]))
        elif token.text == "describe" and file.is_(index + 2, "skip") and file.is_(index + 3, "("):
            regions.append((index + 3, file.pairs[index + 3]))
    return regions


class JsDialect:
    language = "javascript"

    def units(self, file: File) -> list[Unit]:
        found: list[Unit] = []
        skipped = _skipped_regions(file)
        for index, token in enumerate(file.tokens):
            if token.text not in TESTS or token.kind != "ident" or file.is_(index - 1, "."):
                continue
            if not file.is_(index + 1, "("):
                continue
            args = file.split(index + 1)
            if len(args) < 2 or args[0][0] != args[0][1]:
                continue
            name = file.tokens[args[0][0]]
            if name.kind != "string" or "${" in name.text:
                continue
            body = args[-1][1]
            if not file.is_(body, "}") or file.pairs[body] < args[-1][0]:
                continue
            opening = file.pairs[body]
            close = file.pairs[index + 1]
            last = close + 1 if file.is_(close + 1, ";") else close
            twinnable = (
                token.text in RUN_ALWAYS
                and not file.has(opening, body, "return")
                and not any(first < index < end for first, end in skipped)
            )
            unit = Unit(index, last, args[0][0], (opening, body), file.parents[index], twinnable)
            found.append(unit)
        return found

    def fresh_name(self, token: str) -> str:
        return f"'{token}'"

    def report_name(self, text: str) -> str:
        quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`"
        return text[1:-1] if quoted else text

    def edits(self, file: File, unit: Unit) -> list[Edit]:
        edits: list[Edit] = []
        for statement in file.statements(unit.body):
            found = _expectation(file, statement)
            if found is None:
                continue
            matcher = file.tokens[found["matcher"]]
            args = file.split(found["matcher"] + 1)
            if matcher.text in VALUE_MATCHERS and "not" not in found and args:
                positions = literal_positions(file, *args[0], NAMES)
                edits += value_edits(file, positions or [], self.language, "expects")
            if "not" in found:
                dot = file.tokens[found["not"]]
                after_not = file.tokens[found["not"] + 1].end
                edits.append(
                    negation(dot.start, after_not, "", f"drops .not before {matcher.text}")
                )
            else:
                at = file.tokens[found["dot"]].start
                edits.append(negation(at, at, ".not", f"adds .not before {matcher.text}"))
        return edits + binding_edits(file, unit, self._binding, self._equality_use, NAMES)

    def _binding(self, file: File, statement: tuple[int, int]) -> tuple[int, int, int] | None:
        first, last = statement
        if file.is_(first, "const", "let", "var") and file.is_(first + 2, "="):
            return (first + 1, first + 3, last - 1) if first + 3 <= last - 1 else None
        return None

    def _equality_use(self, file: File, statement: tuple[int, int], index: int) -> bool:
        found = _expectation(file, statement)
        if found is None or "not" in found:
            return False
        if file.tokens[found["matcher"]].text not in VALUE_MATCHERS:
            return False
        return file.split(found["matcher"] + 1)[:1] == [(index, index)]

    def fallback(self, file: File, name: str) -> tuple[int, str] | None:
        return len(file.source), f"\ntest({name}, () => {{\n  expect(1 + 1).toBe(3);\n}});\n"


js_canaries = rewriter(JsDialect())
