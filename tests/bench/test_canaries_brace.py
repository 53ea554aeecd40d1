"""Canaries for Rust, Go, Java, C++ and JavaScript test files, read by hgm's small tokenizer."""

from __future__ import annotations

import random
import re

import pytest

from hgm.bench.canaries.cpp_tests import cpp_canaries
from hgm.bench.canaries.go_tests import go_canaries
from hgm.bench.canaries.java_tests import java_canaries
from hgm.bench.canaries.js_tests import js_canaries
from hgm.bench.canaries.perturb import perturb_literal
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.canaries.rust_tests import rust_canaries
from hgm.bench.canaries.tokens import TokenizeError, brackets, tokenize

RUST = """use calc::*;

// a helper that is not a test
fn helper() -> u64 { 2 }

#[test]
fn adds() {
    assert_eq!(add(2, helper()), 4);
}

#[test]
#[ignore]
fn names() {
    let input = "ab";
    let expected = "AB";
    assert_eq!(upper(input), expected);
}

#[test]
#[should_panic]
fn panics() {
    add(u64::MAX, 1);
}
"""
GO = """package calc

import "testing"

func TestAdd(t *testing.T) {
\tfor _, tc := range cases {
\t\tif got := Add(tc.a, tc.b); got != tc.want {
\t\t\tt.Fatalf("Add(%d, %d) = %d", tc.a, tc.b, got)
\t\t}
\t}
}

func TestHelperOnly(t *testing.T) {
\tcheck(t, Add(1, 1), 2)
}
"""
JAVA = """import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

public class CalcTest {
    @Test
    public void adds() {
        assertThat(new Calc().add(2, 2)).isEqualTo(4);
    }

    @Test
    @DisplayName("knows zero")
    public void zero() {
        assertThat(new Calc().isZero(0)).isTrue();
    }
}
"""
CPP = """#include "calc.h"
#include "test/catch.hpp"

TEST_CASE("adds") {
    REQUIRE(calc::add(2, 2) == 4);
}

#if defined(EXERCISM_RUN_ALL_TESTS)
TEST_CASE("digits") {
    const std::vector<int> expected{1, 2};
    REQUIRE(calc::digits(12) == expected);
}
#endif
"""
JS = """import { add, upper } from './calc';

describe('calc', () => {
  test('adds', () => {
    expect(add(2, 2)).toEqual(4);
  });

  xtest('uppercases', () => {
    const expected = { text: 'AB' };
    expect(upper('ab')).toEqual(expected);
  });

  xtest('never throws', () => {
    expect(() => add(1, 1)).not.toThrow();
  });
});
"""


def rewrite(function, source: str, seed: int = 0, count: int = 10) -> tuple[str, CanaryPlan]:
    return function(source, random.Random(seed), count)


def changes(function, source: str) -> set[str]:
    return {c.change for seed in range(25) for c in rewrite(function, source, seed)[1].canaries}


@pytest.mark.parametrize(
    ("language", "source", "kinds"),
    [
        ("javascript", "const r = /a\\/b[/]/g; const q = x / y / z; `t${a + `n`}`", "regex"),
        ("rust", "fn f<'a>(s: &'a str) -> char { 'x' } let r = r#\"raw \"q\"\"#;", "lifetime"),
        ("cpp", 'auto s = R"d(a ) " b)d"; // { not a brace\n#define X {\n', "directive"),
        ("go", "s := `raw {`; r := 'x'", "char"),
    ],
)
def test_literals_and_comments_are_single_tokens(language: str, source: str, kinds: str) -> None:
    tokens = tokenize(source, language)
    assert kinds in {token.kind for token in tokens}
    brackets(tokens)  # braces inside literals and comments never count


def test_unbalanced_or_unterminated_sources_are_refused() -> None:
    with pytest.raises(TokenizeError):
        tokenize('x = "never closed', "java")
    with pytest.raises(TokenizeError):
        brackets(tokenize("fn f() { {", "rust"))


@pytest.mark.parametrize(
    ("language", "literal", "changed"),
    [
        ("rust", '"ROR"', '"ROS"'),
        ("rust", 'b""', None),
        ("rust", 'r#"raw"#', 'r#"rax"#'),
        ("rust", "'a'", "'b'"),
        ("rust", '"tab\\t"', '"taba"'),
        ("rust", "255u8", "254u8"),
        ("cpp", 'R"d(raw)d"', 'R"d(rax)d"'),
        ("java", "3L", "2L"),
        ("javascript", "`a${b}`", None),
        ("go", "0x1F", None),
        ("go", "true", "false"),
    ],
)
def test_literals_change_within_their_type(
    language: str, literal: str, changed: str | None
) -> None:
    [token] = [t for t in tokenize(f"x({literal})", language) if t.text == literal]
    assert perturb_literal(token, language) == changed


def test_rust_twins_change_an_expectation_and_keep_attributes() -> None:
    text, plan = rewrite(rust_canaries, RUST)
    assert set(plan.renamed.values()) == {"adds", "names", "panics"}
    assert "fn helper()" in text and "fn adds()" not in text
    assert {plan.renamed[c.twin] for c in plan.canaries if c.twin} == {"adds", "names"}
    assert "a copy of adds that expects 3 instead of 4" in changes(rust_canaries, RUST)
    assert 'a copy of names that sets expected to "AC" instead of "AB"' in changes(
        rust_canaries, RUST
    )
    for canary in plan.canaries:
        assert re.search(rf"#\[test\]\s*(#\[ignore\]\s*)?fn {canary.name}\(\)", text)


def test_go_twins_negate_every_failure_check() -> None:
    text, plan = rewrite(go_canaries, GO)
    [canary] = plan.canaries
    assert plan.renamed[canary.twin or ""] == "TestAdd" and canary.name.startswith("Test_")
    assert "if got := Add(tc.a, tc.b); !(got != tc.want) {" in text
    assert "func TestHelperOnly" not in text  # renamed, but no check of its own to negate


def test_java_twins_stay_in_their_class() -> None:
    text, plan = rewrite(java_canaries, JAVA)
    assert changes(java_canaries, JAVA) >= {
        "a copy of adds that expects 3 instead of 4",
        "a copy of zero that calls isFalse instead of isTrue",
    }
    assert text.rstrip().endswith("}") and text.count("public class") == 1
    for canary in plan.canaries:
        assert f"public void {canary.name}()" in text
    assert '@DisplayName("knows zero")' in text


def test_cpp_twins_and_expected_values() -> None:
    text, plan = rewrite(cpp_canaries, CPP)
    assert changes(cpp_canaries, CPP) >= {
        "a copy of adds that expects 3 instead of 4",
        "a copy of digits that sets expected to 0 instead of 1",
    }
    assert all(f'TEST_CASE("{c.name}")' in text for c in plan.canaries)
    assert text.count("#endif") == 1


def test_js_twins_add_or_drop_not() -> None:
    assert changes(js_canaries, JS) >= {
        "a copy of adds that expects 3 instead of 4",
        "a copy of uppercases that sets expected to 'AC' instead of 'AB'",
        "a copy of never throws that drops .not before toThrow",
    }
    text, plan = rewrite(js_canaries, JS)
    assert "describe('calc'" in text and "'adds'" not in text
    assert set(plan.renamed.values()) == {"adds", "uppercases", "never throws"}


@pytest.mark.parametrize(
    ("function", "source", "fails"),
    [
        (rust_canaries, "#[test]\nfn runs() {\n    work();\n}\n", "assert_eq!(1 + 1, 3)"),
        (cpp_canaries, 'TEST_CASE("runs") {\n    work();\n}\n', "REQUIRE(1 + 1 == 3)"),
        (js_canaries, "test('runs', () => {\n  work();\n});\n", "expect(1 + 1).toBe(3)"),
    ],
)
def test_files_without_checks_get_a_test_that_always_fails(
    function, source: str, fails: str
) -> None:
    text, plan = rewrite(function, source)
    [canary] = plan.canaries
    assert canary.twin is None and fails in text


def test_a_file_that_does_not_tokenize_is_left_alone() -> None:
    broken = 'fn f() { "never closed }'
    assert rust_canaries(broken, random.Random(0), 3) == (broken, CanaryPlan())
