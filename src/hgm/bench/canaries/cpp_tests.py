"""Canaries for Catch2 and hgm_test.hpp files (`TEST_CASE("name") { ... }`)."""

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
    wrapped_negation,
)

NAMES = frozenset(
    {"std", "string", "vector", "pair", "make_pair", "array", "size_t", "int", "unsigned"}
    | {"long", "short", "char", "double", "float", "bool", "uint8_t", "uint16_t", "uint32_t"}
    | {"uint64_t", "int8_t", "int16_t", "int32_t", "int64_t", "nullptr"}
)
CHECKS = ("REQUIRE", "CHECK")
FALSE_CHECKS = {"REQUIRE_FALSE": "REQUIRE", "CHECK_FALSE": "CHECK"}


def _equality(file: File, first: int, last: int) -> int | None:
    """The `==` at the top level of tokens[first..last], if there is exactly one."""
    found, index = [], first
    while index <= last:
        if file.is_(index, "(", "[", "{"):
            index = file.pairs[index] + 1
            continue
        if file.is_(index, "=="):
            found.append(index)
        elif file.is_(index, "&&", "||", "?", "!=", "<", ">", "<=", ">="):
            return None
        index += 1
    return found[0] if len(found) == 1 else None


def _check(file: File, statement: tuple[int, int]) -> tuple[int, int, int] | None:
    """(macro, first, last) of `REQUIRE(expression);`-style statements."""
    first, last = statement
    names = (*CHECKS, *FALSE_CHECKS)
    if file.tokens[first].text in names and file.is_(first + 1, "("):
        close = file.pairs[first + 1]
        if close == last - 1 and first + 2 <= close - 1:
            return first, first + 2, close - 1
    return None


class CppDialect:
    language = "cpp"

    def units(self, file: File) -> list[Unit]:
        found: list[Unit] = []
        for index, token in enumerate(file.tokens):
            if token.text != "TEST_CASE" or not file.is_(index + 1, "("):
                continue
            args = file.split(index + 1)
            body = file.pairs[index + 1] + 1
            if not args or file.tokens[args[0][0]].kind != "string" or not file.is_(body, "{"):
                continue
            close = file.pairs[body]
            twinnable = not file.has(body, close, "return")
            unit = Unit(index, close, args[0][0], (body, close), file.parents[index], twinnable)
            found.append(unit)
        return found

    def fresh_name(self, token: str) -> str:
        return f'"{token}"'

    def report_name(self, text: str) -> str:
        return text[1:-1] if text.startswith('"') and text.endswith('"') else text

    def edits(self, file: File, unit: Unit) -> list[Edit]:
        edits: list[Edit] = []
        for statement in file.statements(unit.body):
            found = _check(file, statement)
            if found is None:
                continue
            macro, first, last = found
            token = file.tokens[macro]
            if token.text in FALSE_CHECKS:
                opposite = FALSE_CHECKS[token.text]
                edits.append(negation(token.start, token.end, opposite, f"uses {opposite}"))
                continue
            equals = _equality(file, first, last)
            if equals is not None:
                for side in ((first, equals - 1), (equals + 1, last)):
                    positions = literal_positions(file, *side, NAMES)
                    edits += value_edits(file, positions or [], self.language, "expects")
            edits.append(wrapped_negation(file, first, last))
        return edits + binding_edits(file, unit, self._binding, self._equality_use, NAMES)

    def _binding(self, file: File, statement: tuple[int, int]) -> tuple[int, int, int] | None:
        first, last = statement
        for index in range(first + 1, last):
            if file.tokens[index].kind != "ident":
                continue
            if file.is_(index + 1, "="):
                return (index, index + 2, last - 1) if index + 2 <= last - 1 else None
            if file.is_(index + 1, "{", "(") and file.pairs[index + 1] == last - 1:
                return index, index + 1, last - 1
        return None

    def _equality_use(self, file: File, statement: tuple[int, int], index: int) -> bool:
        found = _check(file, statement)
        if found is None or file.tokens[found[0]].text not in CHECKS:
            return False
        equals = _equality(file, found[1], found[2])
        return (
            equals is not None
            and index in (found[1], found[2])
            and (
                (found[1], equals - 1) == (index, index) or (equals + 1, found[2]) == (index, index)
            )
        )

    def fallback(self, file: File, name: str) -> tuple[int, str] | None:
        return len(file.source), f"\nTEST_CASE({name}) {{\n    REQUIRE(1 + 1 == 3);\n}}\n"


cpp_canaries = rewriter(CppDialect())
