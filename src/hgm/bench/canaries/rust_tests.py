"""Canaries for Rust test files (`#[test] fn`): `assert_eq!` expectations, `let expected = ...`."""

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
    {"Some", "None", "Ok", "Err", "vec", "String", "from", "to_string", "to_owned", "into", "b"}
)
MODIFIERS = frozenset({"pub", "async", "unsafe", "const", "extern"})
ASSERTS = ("assert_eq", "assert_ne", "assert")


def _attributes(file: File, before: int) -> tuple[int, list[str]]:
    """The first token of the attributes ending at `before` and the text inside each."""
    first, found = before + 1, []
    index = before
    while index >= 0 and file.tokens[index].text in MODIFIERS:
        index -= 1
    first = index + 1
    while file.is_(index, "]") and file.is_(file.pairs.get(index, -1) - 1, "#"):
        opening = file.pairs[index]
        found.append(file.text(opening + 1, index - 1) if opening + 1 < index else "")
        index = opening - 2
        first = index + 1
    return first, found


def _macro(file: File, statement: tuple[int, int]) -> tuple[str, int] | None:
    first, _ = statement
    if file.tokens[first].text in ASSERTS and file.is_(first + 1, "!") and file.is_(first + 2, "("):
        return file.tokens[first].text, first + 2
    return None


class RustDialect:
    language = "rust"

    def units(self, file: File) -> list[Unit]:
        found: list[Unit] = []
        for index, token in enumerate(file.tokens):
            if token.text != "fn" or token.kind != "ident" or not file.is_(index + 2, "("):
                continue
            first, attributes = _attributes(file, index - 1)
            if "test" not in attributes:
                continue
            body = file.after(index + 2)
            while body < len(file.tokens) and not file.is_(body, "{", ";"):
                body = file.after(body)
            if not file.is_(body, "{"):
                continue
            close = file.pairs[body]
            twinnable = not any(
                "should_panic" in a or a.startswith("cfg") for a in attributes
            ) and not file.has(body, close, "return")
            found.append(
                Unit(first, close, index + 1, (body, close), file.parents[index], twinnable)
            )
        return found

    def fresh_name(self, token: str) -> str:
        return f"t_{token}"

    def report_name(self, text: str) -> str:
        return text

    def edits(self, file: File, unit: Unit) -> list[Edit]:
        edits: list[Edit] = []
        for statement in file.statements(unit.body):
            found = _macro(file, statement)
            if found is None:
                continue
            name, opening = found
            args = file.split(opening)
            macro = file.tokens[statement[0]]
            if name == "assert_eq" and len(args) >= 2:
                for first, last in args[:2]:
                    positions = literal_positions(file, first, last, NAMES)
                    edits += value_edits(file, positions or [], self.language, "expects")
                edits.append(negation(macro.start, macro.end, "assert_ne", "checks != instead"))
            elif name == "assert_ne" and len(args) >= 2:
                edits.append(negation(macro.start, macro.end, "assert_eq", "checks == instead"))
            elif name == "assert" and args:
                edits.append(wrapped_negation(file, *args[0]))
        return edits + binding_edits(file, unit, self._binding, self._equality_use, NAMES)

    def _binding(self, file: File, statement: tuple[int, int]) -> tuple[int, int, int] | None:
        first, last = statement
        if not file.is_(first, "let"):
            return None
        name = first + 2 if file.is_(first + 1, "mut") else first + 1
        equals = next((i for i in range(name, last) if file.is_(i, "=")), None)
        if equals is None or equals + 1 > last - 1:
            return None
        return name, equals + 1, last - 1

    def _equality_use(self, file: File, statement: tuple[int, int], index: int) -> bool:
        found = _macro(file, statement)
        if found is None or found[0] != "assert_eq":
            return False
        args = file.split(found[1])[:2]
        return (index, index) in args or ((index - 1, index) in args and file.is_(index - 1, "&"))

    def fallback(self, file: File, name: str) -> tuple[int, str] | None:
        return len(file.source), f"\n#[test]\nfn {name}() {{\n    assert_eq!(1 + 1, 3);\n}}\n"


rust_canaries = rewriter(RustDialect())
