import itertools
import re


def encode(text: str) -> str:
    """Runs of two or more equal characters become <count><character>."""
    parts = []
    for char, group in itertools.groupby(text):
        count = len(list(group))
        parts.append(f"{count}{char}" if count > 1 else char)
    return "".join(parts)


def decode(text: str) -> str:
    """The inverse of encode."""
    return "".join(char * int(count or 1) for count, char in re.findall(r"(\d*)(\D)", text))
