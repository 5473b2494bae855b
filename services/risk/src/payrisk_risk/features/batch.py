"""What earlier rows of the same batch add to each row's windows, so that features do not depend on how
transactions happen to be batched: a batch counts as its rows one after another, in time order."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .columns import Bools, Ints

# Buckets since 1970 stay far below this for any bucket width of a second or more.
_BUCKET_RANGE = 2**41


def time_order(times_us: Ints) -> Ints:
    """Positions in time order, ties in position order."""
    order: Ints = np.argsort(times_us, kind="stable")
    return order


def earlier_in_batch(
    slots: Ints,
    buckets: Ints,
    in_time_order: Ints,
    counted: Bools,
    values: npt.NDArray[np.float32],
    spans: list[int],
) -> list[npt.NDArray[np.float64]]:
    """Per span, (n, channels) sums over the counted rows of the same slot that come before each row
    (earlier time, or the same time and an earlier position) and whose bucket is within the span.

    `in_time_order` lists the rows by (time, position), as `time_order` gives them. Rows with a negative slot
    have no entity: what is returned for them means nothing.
    """
    n = len(slots)
    order = in_time_order[np.argsort(slots[in_time_order], kind="stable")]
    slot, bucket = slots[order], buckets[order]
    key = slot * _BUCKET_RANGE + bucket
    weighted = values[order].astype(np.float64) * counted[order][:, None]
    running = np.zeros((n + 1, values.shape[1]), dtype=np.float64)
    np.cumsum(weighted, axis=0, out=running[1:])
    position = np.arange(n)
    results = []
    for span in spans:
        # Rows of the same slot are contiguous and in time order: those in the window start at `first`.
        first = np.searchsorted(key, key - span + 1, side="left")
        sums = np.empty((n, values.shape[1]), dtype=np.float64)
        sums[order] = running[position] - running[first]
        results.append(sums)
    return results
