"""A small tokenizer for C-family test files: Rust, Go, Java, C++ and JavaScript.

Enough to find test functions, their bodies and statements, and the literals in them, with
every token's exact character span, so a test can be copied and changed as text. Comments
are skipped; strings, characters, raw strings, template literals and JavaScript regular
expressions are single tokens, so brackets inside them never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
PUNCT = (
    "...",
    "===",
    "!==",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "->",
    "=>",
    "::",
    ":=",
    "..",
)
SPACES = re.compile(r"[ \t\r\f\v]+")
OPERATOR = re.compile("|".join(re.escape(p) for p in PUNCT))
STRING_PREFIXES = frozenset("bcrRuUL")
REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^") | {"=>", "==", "!=", "===", "!==", "&&", "||"}
REGEX_KEYWORDS = frozenset(
    {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw"}
)
RUST_STRING_PREFIX = re.compile(r"(?:b|c)?r(#*)\"|b\"|c\"")
CPP_STRING_PREFIX = re.compile(r"(?:u8|u|U|L)?R\"([^(\s\\]{0,16})\(|(?:u8|u|U|L)(?=[\"'])")
OPENERS = {"(": ")", "[": "]", "{": "}"}


class TokenizeError(ValueError):
    """The source does not tokenize (an unterminated string or comment)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ident, number, string, char, punct, directive, lifetime
    text: str
    start: int
    end: int
    newline_before: bool


class _Scanner:
    def __init__(self, source: str, language: str) -> None:
        self.source = source
        self.language = language
        self.at = 0
        self.tokens: list[Token] = []
        self.newline = True

    def add(self, kind: str, end: int) -> None:
        text = self.source[self.at : end]
        self.tokens.append(Token(kind, text, self.at, end, self.newline))
        self.at = end
        self.newline = False

    def until(self, closing: str, start: int, escapes: bool = True) -> int:
        """The index just past `closing`, scanning from `start` (backslash escapes skip)."""
        source = self.source
        index = start
        while index < len(source):
            if escapes and source[index] == "\\":
                index += 2
                continue
            if source.startswith(closing, index):
                return index + len(closing)
            index += 1
        raise TokenizeError(f"unterminated literal at offset {start}")

    def template(self, start: int) -> int:
        """A JavaScript template literal: `...${ expression }...`, nesting included."""
        source = self.source
        index = start
        while index < len(source):
            char = source[index]
            if char == "\\":
                index += 2
            elif char == "`":
                return index + 1
            elif source.startswith("${", index):
                depth, index = 1, index + 2
                while depth and index < len(source):
                    if source[index] in "'\"":
                        index = self.until(source[index], index + 1)
                        continue
                    if source[index] == "`":
                        index = self.template(index + 1)
                        continue
                    depth += {"{": 1, "}": -1}.get(source[index], 0)
                    index += 1
            else:
                index += 1
        raise TokenizeError(f"unterminated template literal at offset {start}")

    def regex_allowed(self) -> bool:
        if self.language != "javascript":
            return False
        last = self.tokens[-1] if self.tokens else None
        if last is None:
            return True
        if last.kind == "punct":
            return last.text in REGEX_AFTER
        return last.kind == "ident" and last.text in REGEX_KEYWORDS

    def regex(self, start: int) -> int:
        source = self.source
        index, in_class = start, False
        while index < len(source) and source[index] != "\n":
            char = source[index]
            if char == "\\":
                index += 2
                continue
            if char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif char == "/" and not in_class:
                index += 1
                while index < len(source) and (source[index].isalnum() or source[index] == "_"):
                    index += 1
                return index
            index += 1
        raise TokenizeError(f"unterminated regular expression at offset {start}")

    def number(self, start: int) -> int:
        source = self.source
        index = start
        hexadecimal = source.startswith(("0x", "0X"), start)
        while index < len(source):
            char = source[index]
            if char.isalnum() or char == "_" or (char == "'" and self.language == "cpp"):
                index += 1
                exponent = char in "pP" if hexadecimal else char in "eE"
                after_digit = source[index - 2].isdigit() or source[index - 2] == "."
                if exponent and after_digit and index < len(source) and source[index] in "+-":
                    index += 1
            elif char == "." and index + 1 < len(source) and source[index + 1].isdigit():
                index += 1
            else:
                break
        return index

    def prefixed_string(self) -> int | None:
        """Rust raw/byte strings and C++ prefixed or raw strings, else None."""
        source, at = self.source, self.at
        if self.language == "rust":
            match = RUST_STRING_PREFIX.match(source, at)
            if match and match.group(1) is not None:
                return self.until('"' + match.group(1), match.end(), escapes=False)
            if match:
                return self.until('"', match.end())
        if self.language == "cpp":
            match = CPP_STRING_PREFIX.match(source, at)
            if match and match.group(1) is not None:
                return self.until(f'){match.group(1)}"', match.end(), escapes=False)
            if match:
                quote = source[match.end()]
                return self.until(quote, match.end() + 1)
        return None

    def rust_quote(self) -> None:
        source, at = self.source, self.at
        if source.startswith("\\", at + 1):
            self.add("char", self.until("'", at + 1))
        elif at + 2 < len(source) and source[at + 2] == "'":
            self.add("char", at + 3)
        elif at + 1 < len(source) and len(source) > at + 1 and ord(source[at + 1]) > 127:
            self.add("char", self.until("'", at + 1))
        else:
            match = IDENT.match(source, at + 1)
            self.add("lifetime", match.end() if match else at + 1)

    def scan(self) -> list[Token]:
        source = self.source
        while self.at < len(source):
            char = source[self.at]
            if char == "\n":
                self.newline = True
                self.at += 1
            elif char in " \t\r\f\v":
                self.at = SPACES.match(source, self.at).end()  # type: ignore[union-attr]
            elif char == "/" and source.startswith("//", self.at):
                end = source.find("\n", self.at)
                self.at = len(source) if end < 0 else end
            elif char == "/" and source.startswith("/*", self.at):
                self.at = self.until("*/", self.at + 2, escapes=False)
            elif char == "#" and self.language == "cpp" and self.newline:
                end = self.at
                while True:
                    end = source.find("\n", end)
                    if end < 0 or source[end - 1] != "\\":
                        break
                    end += 1
                self.add("directive", len(source) if end < 0 else end)
            elif char in STRING_PREFIXES and (end := self.prefixed_string()) is not None:
                self.add("string", end)
            elif char.isdigit():
                self.add("number", self.number(self.at))
            elif (word := IDENT.match(source, self.at)) is not None:
                self.add("ident", word.end())
            elif char == '"':
                if self.language == "java" and source.startswith('"""', self.at):
                    self.add("string", self.until('"""', self.at + 3))
                else:
                    self.add("string", self.until('"', self.at + 1))
            elif char == "'":
                if self.language == "rust":
                    self.rust_quote()
                else:
                    kind = "string" if self.language == "javascript" else "char"
                    self.add(kind, self.until("'", self.at + 1))
            elif char == "`":
                if self.language == "go":
                    self.add("string", self.until("`", self.at + 1, escapes=False))
                else:
                    self.add("string", self.template(self.at + 1))
            elif char == "/" and self.regex_allowed():
                self.add("regex", self.regex(self.at + 1))
            elif char.isspace():
                self.at += 1
            else:
                operator = OPERATOR.match(source, self.at)
                self.add("punct", operator.end() if operator else self.at + 1)
        return self.tokens


def tokenize(source: str, language: str) -> list[Token]:
    """The tokens of `source`; TokenizeError when a literal or comment never ends."""
    return _Scanner(source, language).scan()


def brackets(tokens: list[Token]) -> dict[int, int]:
    """Index of each opening bracket token -> index of its closing one (both ways)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind != "punct":
            continue
        if token.text in OPENERS:
            stack.append(index)
        elif token.text in (")", "]", "}"):
            if not stack or OPENERS[tokens[stack[-1]].text] != token.text:
                raise TokenizeError(f"unbalanced {token.text!r} at offset {token.start}")
            opened = stack.pop()
            pairs[opened] = index
            pairs[index] = opened
    if stack:
        raise TokenizeError(f"unclosed {tokens[stack[-1]].text!r}")
    return pairs
