"""Ids known by a keyed 64-bit hash (SipHash-1-3, the function CPython hashes strings with), compiled.

The feature state finds entities and remembers counted transactions by these hashes, so that no per-row
Python object is made on the scoring path. The key is drawn at random for each process (the state lives only
in memory): nobody can choose ids that collide on purpose, and two different ids share a hash with a chance
of 2^-64 per pair, about 10^-8 for a full state. 0 stands for "no id".
"""

from __future__ import annotations

import os
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]

NO_ID = 0
# As int64, so that compiled code always sees the same argument types.
KEY0, KEY1 = (int(k) for k in np.frombuffer(os.urandom(16), dtype=np.int64))

_U = np.uint64
_C0, _C1, _C2, _C3 = (
    _U(0x736F6D6570736575),
    _U(0x646F72616E646F6D),
    _U(0x6C7967656E657261),
    _U(0x7465646279746573),
)
_FF = _U(0xFF)


@numba.njit(inline="always")
def _rotl(x: Any, b: int) -> Any:  # pragma: no cover - compiled
    return (x << _U(b)) | (x >> _U(64 - b))


@numba.njit(inline="always")
def _round(v0: Any, v1: Any, v2: Any, v3: Any) -> tuple[Any, Any, Any, Any]:  # pragma: no cover
    v0 += v1
    v1 = _rotl(v1, 13)
    v1 ^= v0
    v0 = _rotl(v0, 32)
    v2 += v3
    v3 = _rotl(v3, 16)
    v3 ^= v2
    v0 += v3
    v3 = _rotl(v3, 21)
    v3 ^= v0
    v2 += v1
    v1 = _rotl(v1, 17)
    v1 ^= v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


@numba.njit(inline="always")
def _finish(v0: Any, v1: Any, v2: Any, v3: Any, last: Any) -> Any:  # pragma: no cover - compiled
    v3 ^= last
    v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    v0 ^= last
    v2 ^= _FF
    for _ in range(3):
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    h = np.int64(v0 ^ v1 ^ v2 ^ v3)
    # 0 means "no id"; an id that happens to hash to it is moved next door.
    return 1 if h == NO_ID else h


@numba.njit(nogil=True)
def siphash(data: Any, start: Any, stop: Any, k0: Any, k1: Any) -> Any:  # pragma: no cover - compiled
    """The hash of data[start:stop] (never NO_ID)."""
    key0, key1 = _U(k0), _U(k1)
    v0, v1, v2, v3 = key0 ^ _C0, key1 ^ _C1, key0 ^ _C2, key1 ^ _C3
    length = stop - start
    end = start + (length // 8) * 8
    i = start
    while i < end:
        m = _U(0)
        for j in range(8):
            m |= _U(data[i + j]) << _U(8 * j)
        v3 ^= m
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0 ^= m
        i += 8
    last = _U(length & 0xFF) << _U(56)
    for j in range(stop - end):
        last |= _U(data[end + j]) << _U(8 * j)
    return _finish(v0, v1, v2, v3, last)


@numba.njit(nogil=True)
def hash_pair(a: Any, b: Any, k0: Any, k1: Any) -> Any:  # pragma: no cover - compiled
    """The hash of two hashes (an ordered pair of ids, or a kind and an id): SipHash of their 16 bytes."""
    key0, key1 = _U(k0), _U(k1)
    v0, v1, v2, v3 = key0 ^ _C0, key1 ^ _C1, key0 ^ _C2, key1 ^ _C3
    for m in (_U(a), _U(b)):
        v3 ^= m
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0 ^= m
    return _finish(v0, v1, v2, v3, _U(16) << _U(56))


@numba.njit(nogil=True, cache=True)
def hash_spans(data: Bytes, start: Ints, stop: Ints, k0: int, k1: int) -> Ints:  # pragma: no cover
    """The hash of each span data[start[i]:stop[i]]; NO_ID for empty spans."""
    out = np.zeros(len(start), dtype=np.int64)
    for i in range(len(start)):
        if stop[i] > start[i]:
            out[i] = siphash(data, start[i], stop[i], k0, k1)
    return out


@numba.njit(nogil=True, cache=True)
def hash_pairs(a: Ints, b: Ints, k0: int, k1: int) -> Ints:  # pragma: no cover - compiled
    """Per row, the hash of the pair (a, b); NO_ID where either is NO_ID."""
    out = np.zeros(len(a), dtype=np.int64)
    for i in range(len(a)):
        if a[i] != NO_ID and b[i] != NO_ID:
            out[i] = hash_pair(a[i], b[i], k0, k1)
    return out


def spans(data: Bytes, start: Ints, stop: Ints) -> Ints:
    """The hashes of the spans with this process's key."""
    result: Ints = hash_spans(data, start, stop, KEY0, KEY1)
    return result


def pairs(a: Ints, b: Ints) -> Ints:
    result: Ints = hash_pairs(a, b, KEY0, KEY1)
    return result
