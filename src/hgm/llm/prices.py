"""Model prices (USD per million tokens) and the cost of a call.

Prices change: the built-in table is a convenience as of late 2025, overridable in
the gateway config (`prices`, or `price` on a role). An unknown model costs 0 and
is warned about once per price book.
"""

from __future__ import annotations

import logging
import threading

from hgm.llm.config import ModelPrice
from hgm.llm.provider import Usage

log = logging.getLogger(__name__)


def _price(input_per_m: float, output_per_m: float) -> ModelPrice:
    return ModelPrice(input_per_m=input_per_m, output_per_m=output_per_m)


def builtin_prices() -> dict[str, ModelPrice]:
    """A few well-known models; keys match a model name exactly or as its longest prefix."""
    return {
        "gpt-4o": _price(2.50, 10.00),
        "gpt-4o-mini": _price(0.15, 0.60),
        "gpt-4.1": _price(2.00, 8.00),
        "gpt-4.1-mini": _price(0.40, 1.60),
        "gpt-4.1-nano": _price(0.10, 0.40),
        "o3": _price(2.00, 8.00),
        "o3-mini": _price(1.10, 4.40),
        "o4-mini": _price(1.10, 4.40),
        "gpt-5": _price(1.25, 10.00),
        "gpt-5-mini": _price(0.25, 2.00),
        "claude-opus-4": _price(15.00, 75.00),
        "claude-sonnet-4": _price(3.00, 15.00),
        "claude-3-7-sonnet": _price(3.00, 15.00),
        "claude-3-5-sonnet": _price(3.00, 15.00),
        "claude-3-5-haiku": _price(0.80, 4.00),
        "claude-haiku-4-5": _price(1.00, 5.00),
    }


class PriceBook:
    """Prices: overrides first, then the built-in table; one warning per unknown model."""

    def __init__(self, overrides: dict[str, ModelPrice] | None = None) -> None:
        self._prices = builtin_prices() | dict(overrides or {})
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def price(self, model: str) -> ModelPrice | None:
        if model in self._prices:
            return self._prices[model]
        prefixes = [name for name in self._prices if model.startswith(name)]
        return self._prices[max(prefixes, key=len)] if prefixes else None

    def cost(self, model: str, usage: Usage, explicit: ModelPrice | None = None) -> float:
        price = explicit or self.price(model)
        if price is None:
            with self._lock:
                first = model not in self._warned
                self._warned.add(model)
            if first:
                log.warning("no price known for model %r: its calls count as $0", model)
            return 0.0
        return (
            usage.input_tokens * price.input_per_m + usage.output_tokens * price.output_per_m
        ) / 1_000_000

    @property
    def warned_models(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._warned)
