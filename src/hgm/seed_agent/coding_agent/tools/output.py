"""Keeping tool output short enough for the model's context."""

from __future__ import annotations


def truncate_middle(text: str, limit: int) -> str:
    """Keep the head and the tail of `text`, with a note saying how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    omitted = len(text) - 2 * half
    note = f"\n[... {omitted} characters omitted; narrow the command or view a line range ...]\n"
    return text[:half] + note + text[-half:]
