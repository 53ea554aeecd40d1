"""Canaries for pytest files: every test renamed, copies of real tests with one perturbed check.

The source is edited as text at the positions `ast` reports, so everything else in the file
(comments, layout, helpers) stays as written. A copy ("twin") of a real test changes one
check that runs whenever the real test passes (a statement directly in the test's body, in
a test without `return`, `yield` or decorators): a literal expectation takes another value
of its type (`assertEqual(score(), 90)` -> `89`), else the check is negated
(`assertTrue` -> `assertFalse`, `==` -> `!=`). A file with no such check gets a canary that
fails unconditionally.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass

from hgm.bench.canaries.perturb import perturb_value
from hgm.bench.canaries.plan import CANARY_COUNT, Canary, CanaryPlan, fresh_token

EQUALITY_METHODS = frozenset(
    {
        "assertEqual",
        "assertEquals",
        "assertListEqual",
        "assertTupleEqual",
        "assertDictEqual",
        "assertSequenceEqual",
        "assertMultiLineEqual",
        "assertCountEqual",
        "assertAlmostEqual",
    }
)
NEGATED_METHODS = {
    "assertTrue": "assertFalse",
    "assertFalse": "assertTrue",
    "assertIsNone": "assertIsNotNone",
    "assertIsNotNone": "assertIsNone",
    "assertIn": "assertNotIn",
    "assertNotIn": "assertIn",
    "assertIs": "assertIsNot",
    "assertIsNot": "assertIs",
    "assertIsInstance": "assertNotIsInstance",
    "assertNotIsInstance": "assertIsInstance",
    "assertEqual": "assertNotEqual",
    "assertEquals": "assertNotEqual",
    "assertNotEqual": "assertEqual",
    "assertAlmostEqual": "assertNotAlmostEqual",
    "assertNotAlmostEqual": "assertAlmostEqual",
}
NEGATED_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "!=",
    ast.NotEq: "==",
    ast.Is: "is not",
    ast.IsNot: "is",
    ast.In: "not in",
    ast.NotIn: "in",
}
DEF_LINE = re.compile(r"^(?P<indent>\s*)(?P<head>(?:async\s+)?def\s+)(?P<name>\w+)")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _renamed_def(line: str, name: str) -> str:
    return DEF_LINE.sub(lambda m: m.group("indent") + m.group("head") + name, line, count=1)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace source[start:end] (character offsets) with `text`."""

    start: int
    end: int
    text: str
    change: str


@dataclass(frozen=True, slots=True)
class TestDef:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    container: list[ast.stmt]


class Source:
    """Character offsets for the line/column (UTF-8 bytes) positions that `ast` reports."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode()[:col].decode(errors="replace"))

    def span(self, node: ast.expr | ast.stmt) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        start = self.offset(node.lineno, node.col_offset)
        return start, self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node: ast.expr | ast.stmt) -> str:
        start, end = self.span(node)
        return self.text[start:end]


def _leaves(node: ast.expr) -> list[ast.Constant] | None:
    """The constants of an expression made only of literals (no names, no calls); else None."""
    if isinstance(node, ast.Constant) and node.value is not None and node.value is not ...:
        return [node]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = node.operand
        if isinstance(inner, ast.Constant) and type(inner.value) in (int, float, complex):
            return [inner]
        return None
    if isinstance(node, ast.List | ast.Tuple):
        parts = [_leaves(item) for item in node.elts]
        if any(part is None for part in parts):
            return None
        return [leaf for part in parts if part for leaf in part]
    if isinstance(node, ast.Dict):
        if any(key is None or _leaves(key) is None for key in node.keys):
            return None
        values = [_leaves(value) for value in node.values]
        if any(part is None for part in values):
            return None
        return [leaf for part in values if part for leaf in part]  # values only, never keys
    return None


class _Twins:
    """Candidate perturbations of one test function's direct checks."""

    def __init__(
        self, source: Source, test: ast.FunctionDef | ast.AsyncFunctionDef, rng: random.Random
    ) -> None:
        self.source = source
        self.rng = rng
        self.values: list[Edit] = []
        self.negations: list[Edit] = []
        for statement in test.body:
            self._statement(statement)

    def _value(self, node: ast.expr) -> Edit | None:
        leaves = _leaves(node)
        if not leaves:
            return None
        leaf = self.rng.choice(leaves)
        changed = perturb_value(leaf.value)
        if changed is None:
            return None
        start, end = self.source.span(leaf)
        return Edit(start, end, repr(changed), f"expects {changed!r} instead of {leaf.value!r}")

    def _statement(self, statement: ast.stmt) -> None:
        if isinstance(statement, ast.Assert):
            self._assert(statement)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            self._method(statement.value)

    def _assert(self, statement: ast.Assert) -> None:
        test = statement.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            if isinstance(test.ops[0], ast.Eq):
                for side in (test.comparators[0], test.left):
                    edit = self._value(side)
                    if edit:
                        self.values.append(edit)
                        break
            negated = NEGATED_OPS.get(type(test.ops[0]))
            if negated:
                left, right = (
                    self.source.segment(test.left),
                    self.source.segment(test.comparators[0]),
                )
                start, end = self.source.span(test)
                text = f"({left}) {negated} ({right})"
                self.negations.append(Edit(start, end, text, f"checks {negated} instead"))
                return
        start, end = self.source.span(test)
        text = f"not ({self.source.segment(test)})"
        self.negations.append(Edit(start, end, text, "asserts the opposite"))

    def _method(self, call: ast.Call) -> None:
        function = call.func
        if not (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name)):
            return
        if function.value.id != "self" or any(k.arg == "delta" for k in call.keywords):
            return
        method = function.attr
        if method in EQUALITY_METHODS and len(call.args) >= 2:
            for side in (call.args[1], call.args[0]):
                edit = self._value(side)
                if edit:
                    self.values.append(edit)
                    break
        negated = NEGATED_METHODS.get(method)
        if negated:
            start = self.source.offset(function.end_lineno or 0, function.end_col_offset or 0)
            start -= len(method)
            self.negations.append(
                Edit(start, start + len(method), negated, f"calls {negated} instead of {method}")
            )

    def pick(self) -> Edit | None:
        choices = self.values or self.negations
        return self.rng.choice(choices) if choices else None


def _returns_early(test: ast.AST) -> bool:
    """True when a return or yield inside `test` (not in nested functions) could end it."""
    stack = list(ast.iter_child_nodes(test))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _tests(tree: ast.Module) -> list[TestDef]:
    found: list[TestDef] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            found.append(TestDef(node, tree.body))
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    member.name.startswith("test")
                ):
                    found.append(TestDef(member, node.body))
    return found


def _referenced(tree: ast.Module) -> set[str]:
    """Names used anywhere other than as a def's own name (such tests keep their names)."""
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.update(re.findall(r"\w+", node.value))
    return used


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


class PytestFile:
    """One test file's rewrite: renames, twins inserted among their siblings, or a fallback."""

    def __init__(self, text: str) -> None:
        self.source = Source(text)
        self.tree = ast.parse(text)
        self.renamed: dict[str, str] = {}
        self.kept: set[str] = set()
        self.canaries: list[Canary] = []
        self._renames: dict[int, str] = {}  # def line -> fresh name
        self._inserts: dict[int, list[str]] = {}  # insert before this line (1-based)

    def _fresh(self) -> str:
        while True:
            name = f"test_{fresh_token()}"
            if name not in self.source.text:
                return name

    def rewrite(
        self, rng: random.Random, count: int = CANARY_COUNT, only: set[str] | None = None
    ) -> str:
        tests = [t for t in _tests(self.tree) if only is None or t.node.name in only]
        referenced = _referenced(self.tree)
        names: dict[int, str] = {}
        for test in tests:
            line = self.source.lines[test.node.lineno - 1]
            match = DEF_LINE.match(line)
            if match and match.group("name") == test.node.name and test.node.name not in referenced:
                names[id(test.node)] = self._fresh()
                self._renames[test.node.lineno] = names[id(test.node)]
                self.renamed[names[id(test.node)]] = test.node.name
            else:
                self.kept.add(test.node.name)
        candidates = [t for t in tests if id(t.node) in names and not t.node.decorator_list]
        rng.shuffle(candidates)
        for test in candidates:
            if len(self.canaries) >= count:
                break
            if _returns_early(test.node):
                continue
            edit = _Twins(self.source, test.node, rng).pick()
            if edit is not None:
                self._twin(test, edit, names[id(test.node)], rng)
        if not self.canaries:
            self._fallback()
        return self._text()

    def _twin(self, test: TestDef, edit: Edit, twin_name: str, rng: random.Random) -> None:
        node = test.node
        start = self.source.starts[node.lineno - 1]
        end = self.source.starts[node.end_lineno or node.lineno]
        body = self.source.text[start : edit.start] + edit.text + self.source.text[edit.end : end]
        name = self._fresh()
        first, *rest = body.splitlines(keepends=True)
        first = DEF_LINE.sub(lambda m: m.group("indent") + m.group("head") + name, first, count=1)
        siblings = [
            s for s in test.container if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        positions = [_first_line(s) for s in siblings] + [(test.container[-1].end_lineno or 0) + 1]
        where = rng.choice(positions)
        block = "".join([first, *rest])
        block = block if block.endswith("\n") else block + "\n"
        self._inserts.setdefault(where, []).append(block + "\n")
        self.canaries.append(Canary(name, twin_name, f"a copy of {node.name} that {edit.change}"))

    def _fallback(self) -> None:
        name = self._fresh()
        block = f"\n\ndef {name}():\n    assert 1 + 1 == 3\n"
        self._inserts.setdefault(len(self.source.lines) + 1, []).append(block)
        self.canaries.append(Canary(name, None, "a test that always fails"))

    def _text(self) -> str:
        out: list[str] = []
        lines = self.source.lines
        for number in range(1, len(lines) + 2):
            out.extend(self._inserts.get(number, []))
            if number > len(lines):
                break
            line = lines[number - 1]
            fresh = self._renames.get(number)
            if fresh:
                line = DEF_LINE.sub(
                    lambda m, fresh=fresh: m.group("indent") + m.group("head") + fresh,
                    line,
                    count=1,
                )
            if number == len(lines) and not line.endswith("\n"):
                line += "\n"
            out.append(line)
        return "".join(out)


def pytest_canaries(
    text: str, rng: random.Random, count: int = CANARY_COUNT, only: set[str] | None = None
) -> tuple[str, CanaryPlan]:
    """The rewritten test file and its plan; a file that does not parse is left as it is.

    `only`: rename and copy only the test functions with these names (None: all of them).
    """
    try:
        rewrite = PytestFile(text)
    except (SyntaxError, ValueError):
        return text, CanaryPlan()
    new_text = rewrite.rewrite(rng, count, only)
    return new_text, CanaryPlan(tuple(rewrite.canaries), rewrite.renamed, frozenset(rewrite.kept))
