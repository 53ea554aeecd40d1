def mask(card: str) -> str:
    """Every digit but the last four becomes "#"; other characters stay."""
    raise NotImplementedError
