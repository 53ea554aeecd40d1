def second_largest(numbers: list[int]) -> int | None:
    """The second largest distinct value, or None."""
    raise NotImplementedError
