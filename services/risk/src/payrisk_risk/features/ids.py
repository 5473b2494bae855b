"""A column of ids as the scoring path keeps them: spans of one UTF-8 buffer, and each id's hash.

Read from a request's wire bytes, an id costs two offsets and a hash: no Python string is made unless
somebody asks for one (training, tests, diagnostics), and then the column reads as a sequence of str.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numba
import numpy as np
import numpy.typing as npt

from . import hashing

Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
_COMPACT_ABOVE = 64 * 1024


def frozen(data: Bytes) -> Bytes:
    """Buffers are read-only everywhere (as numpy gives bytes), so compiled code sees one array type."""
    if data.flags.writeable:
        data.flags.writeable = False
    return data


class Ids(Sequence[str]):
    __slots__ = ("data", "hashes", "start", "stop")

    def __init__(self, data: Bytes, start: Ints, stop: Ints, hashes: Ints | None = None) -> None:
        self.data = frozen(data)
        self.start = start
        self.stop = stop
        self.hashes = hashing.spans(self.data, start, stop) if hashes is None else hashes

    @staticmethod
    def from_strings(values: Iterable[str]) -> Ids:
        encoded = [v.encode() for v in values]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        stop = np.cumsum(lengths)
        return Ids(np.frombuffer(b"".join(encoded), dtype=np.uint8), stop - lengths, stop)

    @staticmethod
    def concat(parts: Sequence[Ids]) -> Ids:
        """One column of all the parts' ids, in a buffer of their own (only the ids' bytes are kept)."""
        if not parts:
            return Ids.from_strings([])
        # A big buffer (a request's, holding descriptions and tags too) is not kept for a few ids.
        compact = [p.compact() if len(p.data) > _COMPACT_ABOVE else p for p in parts]
        if len(compact) == 1:
            return compact[0]
        shifts = np.cumsum([0, *(len(p.data) for p in compact[:-1])])
        return Ids(
            np.concatenate([p.data for p in compact]),
            np.concatenate([p.start + s for p, s in zip(compact, shifts, strict=True)]),
            np.concatenate([p.stop + s for p, s in zip(compact, shifts, strict=True)]),
            np.concatenate([p.hashes for p in compact]),
        )

    def compact(self) -> Ids:
        """The same ids in a buffer holding nothing else."""
        data, start, stop = _gather(self.data, self.start, self.stop)
        return Ids(data, start, stop, self.hashes)

    def present(self) -> Bools:
        """Where there is an id (a non-empty one)."""
        present: Bools = self.stop > self.start
        return present

    def tolist(self) -> list[str]:
        raw = self.data.tobytes()
        return [raw[a:b].decode() for a, b in zip(self.start.tolist(), self.stop.tolist(), strict=True)]

    def __len__(self) -> int:
        return len(self.start)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice | Ints) -> Ids: ...

    def __getitem__(self, index: int | slice | Ints) -> str | Ids:
        if isinstance(index, int | np.integer):
            return bytes(self.data[self.start[index] : self.stop[index]]).decode()
        return Ids(self.data, self.start[index], self.stop[index], self.hashes[index])

    def __iter__(self) -> Iterator[str]:
        return iter(self.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self.tolist() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Ids({self.tolist()!r})"


@numba.njit(nogil=True, cache=True)
def _gather(data: Bytes, start: Ints, stop: Ints) -> tuple[Bytes, Ints, Ints]:  # pragma: no cover
    out_start = np.empty(len(start), dtype=np.int64)
    out_stop = np.empty(len(start), dtype=np.int64)
    total = 0
    for i in range(len(start)):
        out_start[i] = total
        total += stop[i] - start[i]
        out_stop[i] = total
    out = np.empty(total, dtype=np.uint8)
    for i in range(len(start)):
        out[out_start[i] : out_stop[i]] = data[start[i] : stop[i]]
    return out, out_start, out_stop
