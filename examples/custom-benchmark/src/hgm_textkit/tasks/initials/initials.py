def initials(phrase: str) -> str:
    """The upper-case first letter (or digit) of every word of `phrase`."""
    raise NotImplementedError
