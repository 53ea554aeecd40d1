"""Thompson draws in compiled code when the optional `_draws` extension is built.

The extension calls numpy's own sampling routines (looked up by address in numpy's
library) in the order and with the double arithmetic of the numpy code it replaces, so
every choice and the generator's state afterwards are bit-identical; it skips numpy's
per-call argument checks, which cost 6 to 9 us a call on the small arrays of a search.
`COMPILED` is None when the extension or numpy's routines are missing: callers then draw
with numpy.
"""

from __future__ import annotations

import ctypes
from types import ModuleType

import numpy as np
import numpy.random._generator as numpy_generator
from numpy.typing import NDArray


class CompiledDraws:
    """The extension's draws on a numpy generator (taking the generator's lock, as numpy)."""

    def __init__(self, module: ModuleType, gamma: int, normal: int) -> None:
        self._module = module
        self._gamma = gamma
        self._normal = normal

    def gamma_argmax(
        self, rng: np.random.Generator, a: NDArray[np.float64], b: NDArray[np.float64], tau: float
    ) -> int:
        """The first i maximising Ga / (Ga + Gb), Ga ~ Gamma(a_i tau) drawn before
        Gb ~ Gamma(b_i tau): numpy's beta(a tau, b tau).argmax() when every shape exceeds 1."""
        bit_generator = rng.bit_generator
        with bit_generator.lock:
            return int(self._module.gamma_argmax(bit_generator.capsule, self._gamma, a, b, tau))

    def normal_argmax(
        self,
        rng: np.random.Generator,
        a: NDArray[np.float64],
        b: NDArray[np.float64],
        tau: float,
        exclude: int = -1,
    ) -> int:
        """The first i != `exclude` maximising the draw from the normal with the mean and
        variance of Beta(a_i tau, b_i tau) (a standard normal drawn for every i, in order)."""
        bit_generator = rng.bit_generator
        with bit_generator.lock:
            return int(
                self._module.normal_argmax(bit_generator.capsule, self._normal, a, b, tau, exclude)
            )


def find_compiled_draws() -> CompiledDraws | None:
    """The compiled draws, or None without the extension or numpy's exported routines."""
    try:
        from hgm.search import _draws  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        library = ctypes.CDLL(numpy_generator.__file__)
        gamma = ctypes.cast(library.random_standard_gamma, ctypes.c_void_p).value
        normal = ctypes.cast(library.random_standard_normal, ctypes.c_void_p).value
    except (OSError, AttributeError):
        return None
    if gamma is None or normal is None:
        return None
    return CompiledDraws(_draws, gamma, normal)


COMPILED = find_compiled_draws()
