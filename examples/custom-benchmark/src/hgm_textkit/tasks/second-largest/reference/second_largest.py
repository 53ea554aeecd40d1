def second_largest(numbers: list[int]) -> int | None:
    """The second largest distinct value, or None."""
    distinct = sorted(set(numbers), reverse=True)
    return distinct[1] if len(distinct) > 1 else None
