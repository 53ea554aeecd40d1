def mask(card: str) -> str:
    """Every digit but the last four becomes "#"; other characters stay."""
    to_hide = sum(ch.isdigit() for ch in card) - 4
    out = []
    for ch in card:
        if ch.isdigit() and to_hide > 0:
            out.append("#")
            to_hide -= 1
        else:
            out.append(ch)
    return "".join(out)
