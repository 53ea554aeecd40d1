import re


def initials(phrase: str) -> str:
    """The upper-case first letter (or digit) of every word of `phrase`."""
    words = re.split(r"[\s-]+", phrase)
    letters = []
    for word in words:
        kept = "".join(ch for ch in word if ch.isalnum())
        if kept:
            letters.append(kept[0].upper())
    return "".join(letters)
