"""A page of ingest's export read straight from its wire bytes, in one compiled pass (numba).

Reading a million bills field by field from Python cost more than learning from them: every message, text and
submessage became a Python object first. Here one pass finds where each bill's fields are in the page's bytes
and reads its numbers; a second groups equal texts by a hash of their bytes and checks every bill's bytes
against the first of its group, so only distinct texts (a few thousand a page) become Python strings.

Only well-formed protobuf is read (fields in any order, unknown ones skipped, a repeated message merged as
protobuf merges it); anything else (groups, truncation, a hash shared by different texts) makes the pass give
up, and the page is parsed the ordinary way (bills.bill_batch), which is also the reference the tests hold
this pass to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from .arrays import Floats, Ints

Bytes = npt.NDArray[np.uint8]
VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5
_ERROR = -1
_U = np.uint64

_RESPONSE = ingest_pb2.ExportTransactionsResponse.DESCRIPTOR.fields_by_name
RECORDS, CURSOR = _RESPONSE["records"].number, _RESPONSE["cursor"].number
TRANSACTION = ingest_pb2.TransactionRecord.DESCRIPTOR.fields_by_name["transaction"].number
_TX = common_pb2.Transaction.DESCRIPTOR.fields_by_name
# The texts read, in the order of the span columns the pass returns.
TEXTS = ("merchant_id", "payer_id", "device_id", "merchant_category_code", "description")
MERCHANT, PAYER, DEVICE, MCC, DESCRIPTION = range(len(TEXTS))
_TEXT_NUMBERS = np.array([_TX[name].number for name in TEXTS], dtype=np.int64)
TAGS, AMOUNT, OCCURRED_AT, LOCATION = (
    _TX["business_tags"].number,
    _TX["amount"].number,
    _TX["occurred_at"].number,
    _TX["location"].number,
)
MINOR_UNITS = common_pb2.Money.DESCRIPTOR.fields_by_name["minor_units"].number
POINT = common_pb2.Location.DESCRIPTOR.fields_by_name["point"].number
_GEO = common_pb2.GeoPoint.DESCRIPTOR.fields_by_name
LATITUDE, LONGITUDE = _GEO["latitude"].number, _GEO["longitude"].number
SECONDS = 1  # google.protobuf.Timestamp
assert max(_TEXT_NUMBERS) < 64
assert max(TAGS, AMOUNT, OCCURRED_AT, LOCATION) < 64


@dataclass(frozen=True)
class WirePage:
    """The bills of a page as spans of its bytes and number columns, one row per record in page order."""

    raw: bytes
    # The same bytes, as an array for the compiled code.
    data: Bytes
    # (records, texts, 2): where each text of TEXTS is, [start, stop) in data.
    spans: Ints
    # Record r's business tags are tag_spans[tag_starts[r]:tag_starts[r + 1]].
    tag_starts: Ints
    tag_spans: Ints
    seconds: Ints
    latitude: Floats
    longitude: Floats
    amount_minor: Ints
    cursor: int

    def __len__(self) -> int:
        return len(self.seconds)

    def text(self, row: int, column: int) -> str:
        start, stop = self.spans[row, column].tolist()
        return self.raw[start:stop].decode()

    def tags(self, row: int) -> tuple[str, ...]:
        spans = self.tag_spans[self.tag_starts[row] : self.tag_starts[row + 1]]
        return tuple(self.raw[a:b].decode() for a, b in spans.tolist())


def read_page(data: bytes) -> WirePage | None:
    """The page's bills, or None when its bytes are not plain well-formed protobuf (parse it instead)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    status, spans, tag_starts, tag_spans, seconds, latitude, longitude, minor, cursor = _read(
        buf, _TEXT_NUMBERS
    )
    if status != 0:
        return None
    return WirePage(data, buf, spans, tag_starts, tag_spans, seconds, latitude, longitude, minor, int(cursor))


@dataclass(frozen=True)
class Groups:
    """Rows grouped by equal content, groups in order of first appearance: `first[g]` is the first row of
    group g, `codes[r]` the group of row r."""

    first: Ints
    codes: Ints


def group_texts(page: WirePage, rows: Ints, column: int) -> Groups | None:
    """The rows grouped by their text in `column` (None: two texts shared a hash)."""
    spans = page.spans[rows, column]
    return _grouped(_text_hashes(page.data, spans), lambda a, b: _same_texts(page.data, spans, a, b))


def group_documents(page: WirePage, rows: Ints) -> Groups | None:
    """The rows grouped by their document: description, business tags (in order) and category code."""
    description, mcc = page.spans[rows, DESCRIPTION], page.spans[rows, MCC]
    hashes = _document_hashes(page.data, description, mcc, page.tag_starts, page.tag_spans, rows)

    def same(a: Ints, b: Ints) -> bool:
        return bool(
            _same_texts(page.data, description, a, b)
            and _same_texts(page.data, mcc, a, b)
            and _same_tags(page.data, page.tag_starts, page.tag_spans, rows, a, b)
        )

    return _grouped(hashes, same)


def _grouped(hashes: npt.NDArray[np.uint64], same: Any) -> Groups | None:
    _, first, codes = np.unique(hashes, return_index=True, return_inverse=True)
    codes = codes.reshape(-1)
    # Every row's bytes against its group's first row: a shared hash never merges different texts.
    if not same(np.arange(len(hashes)), first[codes]):
        return None
    # Numbered as they first appear (as the ordinary parse numbers them), not in the order of their hashes.
    order = np.argsort(first, kind="stable")
    renumbered = np.empty(len(order), dtype=np.int64)
    renumbered[order] = np.arange(len(order))
    return Groups(first[order].astype(np.int64), renumbered[codes])


# --- compiled ---

_FNV_OFFSET = _U(0xCBF29CE484222325)
_FNV_PRIME = _U(0x100000001B3)


@numba.njit(inline="always")
def _varint(buf: Any, pos: Any, end: Any) -> tuple[Any, Any]:  # pragma: no cover - compiled
    """(value, position after it); position _ERROR when the varint is cut off or longer than 10 bytes."""
    result = _U(0)
    shift = 0
    while pos < end and shift < 64:
        b = buf[pos]
        pos += 1
        result |= _U(b & 0x7F) << _U(shift)
        if b < 0x80:
            return result, pos
        shift += 7
    return result, _ERROR


@numba.njit(inline="always")
def _skip(buf: Any, pos: Any, end: Any, wire: Any) -> Any:  # pragma: no cover - compiled
    if wire == VARINT:
        return _varint(buf, pos, end)[1]
    if wire == FIXED64:
        return pos + 8 if pos + 8 <= end else _ERROR
    if wire == LEN:
        length, pos = _varint(buf, pos, end)
        if pos == _ERROR or length > _U(end - pos):
            return _ERROR
        return pos + np.int64(length)
    if wire == FIXED32:
        return pos + 4 if pos + 4 <= end else _ERROR
    return _ERROR  # groups: the ordinary parser reads those


@numba.njit(inline="always")
def _length(buf: Any, pos: Any, end: Any) -> tuple[Any, Any]:  # pragma: no cover - compiled
    """(start, stop) of a length-delimited field's bytes after its tag; start _ERROR when cut off."""
    length, pos = _varint(buf, pos, end)
    if pos == _ERROR or length > _U(end - pos):
        return _ERROR, _ERROR
    return pos, pos + np.int64(length)


@numba.njit(inline="always")
def _double(buf: Any, pos: Any, scratch: Any) -> Any:  # pragma: no cover - compiled
    bits = _U(0)
    for j in range(8):
        bits |= _U(buf[pos + j]) << _U(8 * j)
    scratch[0] = bits
    return scratch.view(np.float64)[0]


@numba.njit(inline="always")
def _int64_at(buf: Any, pos: Any, end: Any, field: Any) -> tuple[Any, Any, Any]:  # pragma: no cover
    """(found, last value, status) of varint field `field` in the message at [pos, end)."""
    found = False
    value = np.int64(0)
    while pos < end:
        tag, pos = _varint(buf, pos, end)
        if pos == _ERROR:
            return False, value, _ERROR
        wire = np.int64(tag & _U(7))
        if np.int64(tag >> _U(3)) == field and wire == VARINT:
            raw, pos = _varint(buf, pos, end)
            found, value = True, np.int64(raw)
        else:
            pos = _skip(buf, pos, end, wire)
        if pos == _ERROR:
            return False, value, _ERROR
    return found, value, 0


@numba.njit(inline="always")
def _read_point(
    buf: Any, pos: Any, end: Any, scratch: Any, latitude: Any, longitude: Any, r: Any
) -> Any:  # pragma: no cover - compiled
    """Reads the point of the Location message at [pos, end) into latitude[r] and longitude[r]; 0, or _ERROR
    when the bytes are not well formed."""
    while pos < end:
        tag, pos = _varint(buf, pos, end)
        if pos == _ERROR:
            return _ERROR
        wire = np.int64(tag & _U(7))
        if np.int64(tag >> _U(3)) != POINT or wire != LEN:
            pos = _skip(buf, pos, end, wire)
            if pos == _ERROR:
                return _ERROR
            continue
        point, point_end = _length(buf, pos, end)
        if point == _ERROR:
            return _ERROR
        pos = point_end
        while point < point_end:
            tag, point = _varint(buf, point, point_end)
            if point == _ERROR:
                return _ERROR
            n, w = np.int64(tag >> _U(3)), np.int64(tag & _U(7))
            if w == FIXED64 and n in (LATITUDE, LONGITUDE) and point + 8 <= point_end:
                value = _double(buf, point, scratch)
                if n == LATITUDE:
                    latitude[r] = value
                else:
                    longitude[r] = value
                point += 8
            else:
                point = _skip(buf, point, point_end, w)
                if point == _ERROR:
                    return _ERROR
    return 0


@numba.njit(nogil=True, cache=True)
def _read(buf: Any, text_numbers: Any) -> Any:  # pragma: no cover - compiled
    size = len(buf)
    failed = (
        _ERROR,
        np.zeros((0, 5, 2), dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros((0, 2), dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
        np.zeros(0),
        np.zeros(0, dtype=np.int64),
        np.int64(0),
    )
    # First the records and the cursor, at the top level.
    records = 0
    cursor = np.int64(0)
    pos = 0
    while pos < size:
        tag, pos = _varint(buf, pos, size)
        if pos == _ERROR:
            return failed
        number, wire = np.int64(tag >> _U(3)), np.int64(tag & _U(7))
        if number == RECORDS and wire == LEN:
            records += 1
            pos = _skip(buf, pos, size, wire)
        elif number == CURSOR and wire == VARINT:
            raw, pos = _varint(buf, pos, size)
            cursor = np.int64(raw)
        else:
            pos = _skip(buf, pos, size, wire)
        if pos == _ERROR:
            return failed
    slot = np.full(64, -1, dtype=np.int64)
    for k in range(len(text_numbers)):
        slot[text_numbers[k]] = k
    spans = np.zeros((records, 5, 2), dtype=np.int64)
    tag_starts = np.zeros(records + 1, dtype=np.int64)
    tag_spans = np.zeros((max(16, 4 * records), 2), dtype=np.int64)
    tags = 0
    seconds = np.zeros(records, dtype=np.int64)
    latitude = np.zeros(records)
    longitude = np.zeros(records)
    minor = np.zeros(records, dtype=np.int64)
    scratch = np.zeros(1, dtype=np.uint64)
    r = -1
    pos = 0
    while pos < size:  # well formed at the top level: the first pass said so
        tag, pos = _varint(buf, pos, size)
        number, wire = np.int64(tag >> _U(3)), np.int64(tag & _U(7))
        if not (number == RECORDS and wire == LEN):
            pos = _skip(buf, pos, size, wire)
            continue
        record, record_end = _length(buf, pos, size)
        pos = record_end
        r += 1
        while record < record_end:
            tag, record = _varint(buf, record, record_end)
            if record == _ERROR:
                return failed
            number, wire = np.int64(tag >> _U(3)), np.int64(tag & _U(7))
            if not (number == TRANSACTION and wire == LEN):
                record = _skip(buf, record, record_end, wire)
                if record == _ERROR:
                    return failed
                continue
            tx, tx_end = _length(buf, record, record_end)
            if tx == _ERROR:
                return failed
            record = tx_end
            # A transaction field given twice is merged, as protobuf does: later fields win, tags add up.
            while tx < tx_end:
                tag, tx = _varint(buf, tx, tx_end)
                if tx == _ERROR:
                    return failed
                number, wire = np.int64(tag >> _U(3)), np.int64(tag & _U(7))
                k = slot[number] if 0 <= number < 64 else -1
                if wire != LEN or (k < 0 and number not in (TAGS, AMOUNT, OCCURRED_AT, LOCATION)):
                    tx = _skip(buf, tx, tx_end, wire)
                    if tx == _ERROR:
                        return failed
                    continue
                sub, sub_end = _length(buf, tx, tx_end)
                if sub == _ERROR:
                    return failed
                tx = sub_end
                if k >= 0:
                    spans[r, k, 0], spans[r, k, 1] = sub, sub_end
                elif number == TAGS:
                    if tags == len(tag_spans):
                        grown = np.zeros((2 * len(tag_spans), 2), dtype=np.int64)
                        grown[:tags] = tag_spans
                        tag_spans = grown
                    tag_spans[tags, 0], tag_spans[tags, 1] = sub, sub_end
                    tags += 1
                elif number == AMOUNT:
                    found, value, status = _int64_at(buf, sub, sub_end, MINOR_UNITS)
                    if status != 0:
                        return failed
                    if found:
                        minor[r] = value
                elif number == OCCURRED_AT:
                    found, value, status = _int64_at(buf, sub, sub_end, SECONDS)
                    if status != 0:
                        return failed
                    if found:
                        seconds[r] = value
                elif _read_point(buf, sub, sub_end, scratch, latitude, longitude, r) != 0:  # LOCATION
                    return failed
        tag_starts[r + 1] = tags
    return 0, spans, tag_starts, tag_spans[:tags].copy(), seconds, latitude, longitude, minor, cursor


@numba.njit(inline="always")
def _fnv(buf: Any, start: Any, stop: Any, h: Any) -> Any:  # pragma: no cover - compiled
    for i in range(start, stop):
        h = (h ^ _U(buf[i])) * _FNV_PRIME
    # The length too, so that where one text ends and the next begins is part of the hash.
    return (h ^ _U(stop - start)) * _FNV_PRIME


@numba.njit(nogil=True, cache=True)
def _text_hashes(buf: Any, spans: Any) -> Any:  # pragma: no cover - compiled
    out = np.empty(len(spans), dtype=np.uint64)
    for i in range(len(spans)):
        out[i] = _fnv(buf, spans[i, 0], spans[i, 1], _FNV_OFFSET)
    return out


@numba.njit(nogil=True, cache=True)
def _document_hashes(
    buf: Any, description: Any, mcc: Any, tag_starts: Any, tag_spans: Any, rows: Any
) -> Any:  # pragma: no cover - compiled
    out = np.empty(len(rows), dtype=np.uint64)
    for i in range(len(rows)):
        h = _fnv(buf, description[i, 0], description[i, 1], _FNV_OFFSET)
        h = _fnv(buf, mcc[i, 0], mcc[i, 1], h)
        r = rows[i]
        h = (h ^ _U(tag_starts[r + 1] - tag_starts[r])) * _FNV_PRIME
        for t in range(tag_starts[r], tag_starts[r + 1]):
            h = _fnv(buf, tag_spans[t, 0], tag_spans[t, 1], h)
        out[i] = h
    return out


@numba.njit(inline="always")
def _equal(buf: Any, a0: Any, a1: Any, b0: Any, b1: Any) -> Any:  # pragma: no cover - compiled
    if a1 - a0 != b1 - b0:
        return False
    for j in range(a1 - a0):  # noqa: SIM110 - compiled code: a plain loop
        if buf[a0 + j] != buf[b0 + j]:
            return False
    return True


@numba.njit(nogil=True, cache=True)
def _same_texts(buf: Any, spans: Any, a: Any, b: Any) -> Any:  # pragma: no cover - compiled
    """Whether the text at spans[a[i]] equals the one at spans[b[i]], for every i."""
    for i in range(len(a)):
        x, y = a[i], b[i]
        if x != y and not _equal(buf, spans[x, 0], spans[x, 1], spans[y, 0], spans[y, 1]):
            return False
    return True


@numba.njit(nogil=True, cache=True)
def _same_tags(
    buf: Any, tag_starts: Any, tag_spans: Any, rows: Any, a: Any, b: Any
) -> Any:  # pragma: no cover - compiled
    """Whether rows[a[i]] and rows[b[i]] have the same tags in the same order, for every i."""
    for i in range(len(a)):
        x, y = rows[a[i]], rows[b[i]]
        if x == y:
            continue
        count = tag_starts[x + 1] - tag_starts[x]
        if count != tag_starts[y + 1] - tag_starts[y]:
            return False
        for t in range(count):
            p, q = tag_starts[x] + t, tag_starts[y] + t
            if not _equal(buf, tag_spans[p, 0], tag_spans[p, 1], tag_spans[q, 0], tag_spans[q, 1]):
                return False
    return True
