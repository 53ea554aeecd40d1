import re
from collections import Counter

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def top_words(text, n):
    if n < 1:
        raise ValueError("n must be at least 1")
    counts = Counter(WORD.findall(text.lower()))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
