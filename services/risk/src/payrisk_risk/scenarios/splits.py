"""Splitting a sample into train, calibration and test parts by group, never by row.

A pattern (or an account's transfers) lands whole in one part, so the held-out figures measure how well a
scenario is recognised in patterns it has never seen. Groups are shuffled per label with a fixed seed and
dealt out in proportion, so even a label with three groups has one in every part.
"""

from __future__ import annotations

import numpy as np

from .arrays import Ints
from .samples import LabelledSample

TRAIN, CALIBRATE, TEST = 0, 1, 2
DEFAULT_SHARES = (0.6, 0.2, 0.2)


def _deal(n: int, shares: tuple[float, float, float]) -> Ints:
    """Part of each of n shuffled groups: the shares in order, at least one group per part when n >= 3."""
    cut_train = round(n * shares[0])
    cut_calibrate = cut_train + round(n * shares[1])
    if n >= 3:
        cut_train = min(max(cut_train, 1), n - 2)
        cut_calibrate = min(max(cut_calibrate, cut_train + 1), n - 1)
    parts = np.full(n, TEST, dtype=np.int64)
    parts[:cut_train] = TRAIN
    parts[cut_train:cut_calibrate] = CALIBRATE
    return parts


def split(sample: LabelledSample, seed: int = 0, shares: tuple[float, float, float] = DEFAULT_SHARES) -> Ints:
    """The part (TRAIN, CALIBRATE or TEST) of every row."""
    rng = np.random.default_rng(seed)
    labels = np.array(sample.labels, dtype=object)
    parts = np.empty(len(sample), dtype=np.int64)
    for label in sorted(set(sample.labels)):
        rows = np.flatnonzero(labels == label)
        groups, inverse = np.unique(sample.groups[rows], return_inverse=True)
        order = rng.permutation(len(groups))
        group_part = np.empty(len(groups), dtype=np.int64)
        group_part[order] = _deal(len(groups), shares)
        parts[rows] = group_part[inverse.ravel()]
    return parts
