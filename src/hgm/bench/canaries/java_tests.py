"""Canaries for JUnit 5 test classes (`@Test` methods): AssertJ and JUnit assertions."""

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

NAMES = frozenset(
    {"Arrays", "asList", "List", "of", "Collections", "singletonList", "emptyList", "new"}
    | {"int", "long", "char", "double", "float", "short", "byte", "boolean", "String"}
)
VALUE_METHODS = frozenset({"isEqualTo", "containsExactly", "hasSize", "assertEquals"})
NEGATED = {
    "isTrue": "isFalse",
    "isFalse": "isTrue",
    "isNull": "isNotNull",
    "isNotNull": "isNull",
    "isEmpty": "isNotEmpty",
    "isNotEmpty": "isEmpty",
    "isZero": "isNotZero",
    "isNotZero": "isZero",
    "isEqualTo": "isNotEqualTo",
    "isNotEqualTo": "isEqualTo",
    "contains": "doesNotContain",
    "doesNotContain": "contains",
    "isCloseTo": "isNotCloseTo",
    "isInstanceOf": "isNotInstanceOf",
    "startsWith": "doesNotStartWith",
    "endsWith": "doesNotEndWith",
    "containsKey": "doesNotContainKey",
    "isPresent": "isNotPresent",
    "assertEquals": "assertNotEquals",
    "assertNotEquals": "assertEquals",
    "assertTrue": "assertFalse",
    "assertFalse": "assertTrue",
    "assertNull": "assertNotNull",
    "assertNotNull": "assertNull",
}
SKIPPED_BEFORE = frozenset({"public", "protected", "private", "static", "final", "void"})


def _calls(file: File, statement: tuple[int, int]) -> list[tuple[int, int]]:
    """(name, opening paren) of each call in `a(...).b(...)...;` at the statement's top level."""
    found: list[tuple[int, int]] = []
    index = statement[0]
    while index < statement[1]:
        if file.tokens[index].kind == "ident" and file.is_(index + 1, "("):
            found.append((index, index + 1))
            index = file.pairs[index + 1] + 1
        else:
            index += 1
    return found


class JavaDialect:
    language = "java"

    def units(self, file: File) -> list[Unit]:
        found: list[Unit] = []
        for index, token in enumerate(file.tokens):
            if token.text != "Test" or not file.is_(index - 1, "@") or file.is_(index + 1, "."):
                continue
            first = index - 1
            while True:
                if file.is_(first - 1, ")") and file.is_(file.pairs[first - 1] - 2, "@"):
                    first = file.pairs[first - 1] - 2
                elif file.is_(first - 2, "@") and file.tokens[first - 1].kind == "ident":
                    first -= 2
                else:
                    break
            name = index + 1
            while name + 1 < len(file.tokens):
                if file.is_(name, "@"):
                    name = file.after(name + 2) if file.is_(name + 2, "(") else name + 2
                    continue
                if file.tokens[name].kind == "ident" and file.is_(name + 1, "("):
                    break
                name = file.after(name)
            body = file.pairs.get(name + 1, -1) + 1
            while 0 < body < len(file.tokens) and not file.is_(body, "{", ";"):
                body += 1
            if body <= 0 or not file.is_(body, "{"):
                continue
            close = file.pairs[body]
            twinnable = not file.has(body, close, "return")
            found.append(Unit(first, close, name, (body, close), file.parents[index], twinnable))
        return found

    def fresh_name(self, token: str) -> str:
        return f"t{token}"

    def report_name(self, text: str) -> str:
        return text

    def edits(self, file: File, unit: Unit) -> list[Edit]:
        edits: list[Edit] = []
        for statement in file.statements(unit.body):
            calls = _calls(file, statement)
            if not calls or file.tokens[calls[0][0]].text not in ("assertThat", *NEGATED):
                continue
            for name, opening in (
                calls if file.tokens[calls[0][0]].text == "assertThat" else calls[:1]
            ):
                method = file.tokens[name]
                args = file.split(opening)
                if method.text in VALUE_METHODS:
                    sides = args[:2] if method.text == "assertEquals" else args
                    for first, last in sides:
                        positions = literal_positions(file, first, last, NAMES)
                        edits += value_edits(file, positions or [], self.language, "expects")
                if method.text in NEGATED:
                    opposite = NEGATED[method.text]
                    change = f"calls {opposite} instead of {method.text}"
                    edits.append(negation(method.start, method.end, opposite, change))
        return edits + binding_edits(file, unit, self._binding, self._equality_use, NAMES)

    def _binding(self, file: File, statement: tuple[int, int]) -> tuple[int, int, int] | None:
        first, last = statement
        for index in range(first + 1, last):
            if file.is_(index + 1, "=") and file.tokens[index].kind == "ident":
                return (index, index + 2, last - 1) if index + 2 <= last - 1 else None
        return None

    def _equality_use(self, file: File, statement: tuple[int, int], index: int) -> bool:
        for name, opening in _calls(file, statement):
            if file.tokens[name].text in ("isEqualTo", "assertEquals"):
                args = file.split(opening)
                sides = args[:2] if file.tokens[name].text == "assertEquals" else args[:1]
                if (index, index) in sides:
                    return True
        return False

    def fallback(self, file: File, name: str) -> tuple[int, str] | None:
        units = self.units(file)
        if not units or units[0].parent < 0:
            return None
        close = file.pairs[units[0].parent]
        check = "org.junit.jupiter.api.Assertions.assertEquals(3, 1 + 1);"
        method = f"    public void {name}() {{\n        {check}\n    }}\n"
        text = f"\n    @org.junit.jupiter.api.Test\n{method}"
        return file.line_start(file.tokens[close].start), text


java_canaries = rewriter(JavaDialect())
