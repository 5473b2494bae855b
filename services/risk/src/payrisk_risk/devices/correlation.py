"""How the verification results go together: the phi coefficient between the checks' failures.

Each check is a 0/1 column over the device's bills. Failures that co-occur on the same bills (a merchant
mismatch together with a location mismatch, say) point to one cause acting on those bills, such as
someone else operating the terminal, rather than to independent glitches.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from numpy.typing import NDArray


def phi(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    """Pearson correlation of two 0/1 columns; 0 when either never changes."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    if x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def pairwise(failures: NDArray[np.bool_], names: tuple[str, ...]) -> dict[tuple[str, str], float]:
    """phi for every pair of checks that both fail on some bills but not all."""
    varying = [i for i in range(failures.shape[1]) if 0 < failures[:, i].sum() < failures.shape[0]]
    return {(names[i], names[j]): phi(failures[:, i], failures[:, j]) for i, j in combinations(varying, 2)}


def overall(pairs: dict[tuple[str, str], float]) -> float:
    """The mean of the pairwise coefficients, in [-1, 1]; 0 when fewer than two checks vary."""
    return float(np.mean(list(pairs.values()))) if pairs else 0.0
