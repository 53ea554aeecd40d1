"""Counter-based randomness: every draw is a pure function of (seed, purpose, ids).

A world's realization therefore does not depend on the order in which a policy
asks for things, which pairs the policies in a comparison (common random numbers)
and makes a world rebuildable on resume.
"""

from __future__ import annotations

import math

_MASK = (1 << 64) - 1
_TWO_PI = 2.0 * math.pi


def uniform(*keys: int) -> float:
    """A uniform draw in (0, 1) determined by `keys`.

    The tuple hash of ints is deterministic (unlike str hashes, it ignores
    PYTHONHASHSEED); splitmix64's finalizer, inlined as it runs for every
    draw, spreads it over 64 bits.
    """
    value = ((hash(keys) & _MASK) + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return (((value ^ (value >> 31)) >> 11) + 0.5) * 2.0**-53


def normal(*keys: int) -> float:
    """A standard normal draw determined by `keys` (Box-Muller)."""
    u1 = uniform(*keys, 1)
    u2 = uniform(*keys, 2)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2)


def exponential(mean: float, *keys: int) -> float:
    """An exponential draw with mean `mean` determined by `keys`."""
    return -mean * math.log(uniform(*keys))
