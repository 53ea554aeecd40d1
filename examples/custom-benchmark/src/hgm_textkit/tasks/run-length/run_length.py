def encode(text: str) -> str:
    """Runs of two or more equal characters become <count><character>."""
    raise NotImplementedError


def decode(text: str) -> str:
    """The inverse of encode."""
    raise NotImplementedError
