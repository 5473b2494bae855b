"""Transactions read straight from their wire bytes into columns, checked on the way, in one compiled pass.

Reading protobuf fields one by one from Python costs microseconds per transaction; the serialised message
(what the request already is on the wire, re-serialised by upb in C) is read here at a few dozen
nanoseconds per transaction. The same pass hashes the ids and tells which transactions are plainly valid:
the exact reasons for the others are still found field by field (validation.transaction_violations).

Only what upb writes needs reading: each known field once, unknown fields after them (skipped, also a known
number with another wire type, which protobuf keeps as unknown). Anything else (groups, truncation) makes
the pass give up, and the caller reads the messages the slow way (columns.extract, the reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
from payrisk.common.v1 import common_pb2
from payrisk_runtime.validation import ISO_4217, MAX_FUTURE_SKEW_SECONDS

from . import hashing
from .ids import Bytes, Ids

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# Transaction's fields that are read, in the order of the id rows the pass returns.
ID_FIELDS = ("transaction_id", "merchant_id", "payer_id", "payee_id", "device_id", "card_id", "ip_address")
_REQUIRED_IDS = 3  # transaction, merchant, payer; payee, device and card may be empty; the ip is not checked
_TX = common_pb2.Transaction.DESCRIPTOR.fields_by_name
_NUMBERS = np.array([_TX[name].number for name in ID_FIELDS], dtype=np.int64)
AMOUNT, FEE = _TX["amount"].number, _TX["fee"].number
TYPE, CHANNEL = _TX["type"].number, _TX["channel"].number
OCCURRED_AT, LOCATION, MCC = (
    _TX["occurred_at"].number,
    _TX["location"].number,
    _TX["merchant_category_code"].number,
)
TAGS, DESCRIPTION = _TX["business_tags"].number, _TX["description"].number
_PLACE = common_pb2.Location.DESCRIPTOR.fields_by_name
_PLACE_TEXTS = tuple(_PLACE[name].number for name in ("country_code", "city", "address"))
_MONEY = common_pb2.Money.DESCRIPTOR.fields_by_name
CURRENCY, MINOR = _MONEY["currency_code"].number, _MONEY["minor_units"].number
_POINT = common_pb2.Location.DESCRIPTOR.fields_by_name["point"].number
_GEO = common_pb2.GeoPoint.DESCRIPTOR.fields_by_name
LATITUDE, LONGITUDE = _GEO["latitude"].number, _GEO["longitude"].number
SECONDS, NANOS = 1, 2  # google.protobuf.Timestamp
assert (CURRENCY, MINOR, LATITUDE, LONGITUDE) == (1, 2, 1, 2)
assert max(_NUMBERS) < 64
assert max(AMOUNT, FEE, TYPE, CHANNEL, OCCURRED_AT, LOCATION, MCC, TAGS, DESCRIPTION) < 64
assert _PLACE_TEXTS == (1, 2, 3)

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5


def _id_tables() -> tuple[Bools, Bools]:
    """Bytes allowed first and after the first in an id (payrisk_runtime.validation.ID_PATTERN)."""
    alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    first, rest = np.zeros(256, dtype=np.bool_), np.zeros(256, dtype=np.bool_)
    first[list(alnum)] = True
    rest[list(alnum + b"._:@/-")] = True
    return first, rest


_ID_FIRST, _ID_REST = _id_tables()
MAX_ID_BYTES = 128
_ISO = np.array(sorted((ord(c[0]) << 16) | (ord(c[1]) << 8) | ord(c[2]) for c in ISO_4217), dtype=np.int64)


def _codes(values: Sequence[int]) -> Bools:
    table = np.zeros(max(values) + 1, dtype=np.bool_)
    table[[v for v in values if v > 0]] = True  # 0 is UNSPECIFIED: not a valid choice
    return table


_TYPES = _codes(common_pb2.TransactionType.values())
_CHANNELS = _codes(common_pb2.Channel.values())


@dataclass(frozen=True, slots=True)
class Parsed:
    """The columns' raw parts, one row per transaction in request order."""

    ids: list[Ids]
    amount_minor: Ints
    fee_minor: Ints
    type: Ints
    channel: Ints
    occurred_at_us: Ints
    located: Bools
    latitude: Floats
    longitude: Floats
    mcc: Ints
    # Whether each transaction passed every check (the others may still be valid: see the module's doc).
    plainly_valid: Bools


def parse(buf: bytes, field: int, now: float) -> Parsed | None:
    """The transactions of message field `field` of a serialised message; None if the bytes are not what
    upb writes (read the messages instead)."""
    data = np.frombuffer(buf, dtype=np.uint8)
    status, starts, stops = _spans(data, field)
    return None if status != 0 else _columns(data, starts, stops, now)


def last_field(buf: bytes, number: int) -> bytes | None:
    """The bytes of the last top-level field `number` (wire type LEN; b"" if there is none); None if `buf`
    is not plainly a message (let protobuf's parse judge it)."""
    status, start, stop = _last_field(np.frombuffer(buf, dtype=np.uint8), number)
    return None if status != 0 else buf[start:stop]


def parse_messages(payloads: list[bytes], now: float) -> Parsed | None:
    """Serialised transactions, one each, read as `parse` reads a request's."""
    lengths = np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads))
    stops = np.cumsum(lengths)
    return _columns(np.frombuffer(b"".join(payloads), dtype=np.uint8), stops - lengths, stops, now)


def _columns(data: Bytes, starts: Ints, stops: Ints, now: float) -> Parsed | None:
    out = _parse(
        data, starts, stops, now + MAX_FUTURE_SKEW_SECONDS, hashing.KEY0, hashing.KEY1,
        _NUMBERS, _ID_FIRST, _ID_REST, _ISO, _TYPES, _CHANNELS,
    )  # fmt: skip
    status, id_starts, id_stops, hashes, ints, floats, located, ok = out
    if status != 0:
        return None
    ids = [Ids(data, id_starts[k], id_stops[k], hashes[k]) for k in range(len(ID_FIELDS))]
    return Parsed(
        ids, ints[0], ints[1], ints[2], ints[3], ints[4], located, floats[0], floats[1], ints[5], ok
    )


# --- the compiled pass ---

_U = np.uint64
_ERROR = -1


@numba.njit(inline="always")
def _varint(buf: Any, pos: Any, end: Any) -> tuple[Any, Any]:  # pragma: no cover - compiled
    """(value as uint64, position after it); position _ERROR when the varint is cut off or too long."""
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
def _tag(buf: Any, pos: Any, end: Any) -> tuple[Any, Any]:  # pragma: no cover - compiled
    """A field's tag, as _varint reads it; position _ERROR for field number 0 or one past 2**29 - 1, which
    protobuf refuses."""
    tag, pos = _varint(buf, pos, end)
    if tag < _U(8) or tag >= _U(2**32):
        return tag, _ERROR
    return tag, pos


@numba.njit(inline="always")
def _utf8(buf: Any, start: Any, stop: Any) -> Any:  # pragma: no cover - compiled
    """Whether buf[start:stop] is well-formed UTF-8 (no overlong forms, surrogates or code points past
    U+10FFFF), as protobuf requires of a string field."""
    pos = start
    while pos < stop:
        b = buf[pos]
        if b < 0x80:
            pos += 1
            continue
        if 0xC2 <= b <= 0xDF:
            more, low, high = 1, 0x80, 0xBF
        elif 0xE0 <= b <= 0xEF:
            more = 2
            low = 0xA0 if b == 0xE0 else 0x80
            high = 0x9F if b == 0xED else 0xBF
        elif 0xF0 <= b <= 0xF4:
            more = 3
            low = 0x90 if b == 0xF0 else 0x80
            high = 0x8F if b == 0xF4 else 0xBF
        else:
            return False
        if pos + more >= stop:
            return False
        second = buf[pos + 1]
        if second < low or second > high:
            return False
        for j in range(pos + 2, pos + 1 + more):
            if buf[j] < 0x80 or buf[j] > 0xBF:
                return False
        pos += 1 + more
    return True


@numba.njit(inline="always")
def _int32(value: Any) -> Any:  # pragma: no cover - compiled
    """An int32 field as protobuf reads it: the low 32 bits of the varint, signed."""
    low = np.int64(value & _U(0xFFFFFFFF))
    return low - 2**32 if low >= 2**31 else low


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
    return _ERROR  # groups: never written by payrisk's clients; the slow path will read them


@numba.njit(inline="always")
def _double(buf: Any, pos: Any, scratch: Any) -> Any:  # pragma: no cover - compiled
    bits = _U(0)
    for j in range(8):
        bits |= _U(buf[pos + j]) << _U(8 * j)
    scratch[0] = bits
    return scratch.view(np.float64)[0]


@numba.njit(inline="always")
def _valid_id(
    buf: Any, start: Any, stop: Any, required: Any, first: Any, rest: Any
) -> Any:  # pragma: no cover
    length = stop - start
    if length == 0:
        return not required
    if length > MAX_ID_BYTES or not first[buf[start]]:
        return False
    valid = True
    for i in range(start + 1, stop):
        valid &= rest[buf[i]]
    return valid


@numba.njit(inline="always")
def _code3(buf: Any, start: Any, stop: Any) -> Any:  # pragma: no cover - compiled
    if stop - start != 3:
        return -1
    return (np.int64(buf[start]) << 16) | (np.int64(buf[start + 1]) << 8) | np.int64(buf[start + 2])


@numba.njit(inline="always")
def _known(code: Any, table: Any) -> Any:  # pragma: no cover - compiled
    return 0 <= code < len(table) and table[code]


@numba.njit(inline="always")
def _money(buf: Any, pos: Any, end: Any) -> tuple[Any, Any, Any, Any]:  # pragma: no cover - compiled
    """(status, currency start, currency stop, minor units) of a Money at [pos, end)."""
    cur_start = cur_stop = 0
    minor: Any = 0
    while pos < end:
        tag, pos = _tag(buf, pos, end)
        if pos == _ERROR:
            return _ERROR, 0, 0, 0
        number, wire = np.int64(tag >> _U(3)), np.int64(tag & _U(7))
        if number == CURRENCY and wire == LEN:
            length, pos = _varint(buf, pos, end)
            if pos == _ERROR or length > _U(end - pos):
                return _ERROR, 0, 0, 0
            cur_start, cur_stop = pos, pos + np.int64(length)
            pos = cur_stop
            if not _utf8(buf, cur_start, cur_stop):
                return _ERROR, 0, 0, 0
        elif number == MINOR and wire == VARINT:
            value, pos = _varint(buf, pos, end)
            minor = np.int64(value)
        else:
            pos = _skip(buf, pos, end, wire)
        if pos == _ERROR:
            return _ERROR, 0, 0, 0
    return 0, cur_start, cur_stop, minor


@numba.njit(nogil=True, cache=True)
def _spans(buf: Any, field: Any) -> Any:  # pragma: no cover - compiled
    """(status, starts, stops): where each message of field `field` (wire type LEN) is in `buf`."""
    size = len(buf)
    count = 0
    pos = 0
    while pos < size:
        tag, pos = _tag(buf, pos, size)
        if pos == _ERROR:
            return _ERROR, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        wire = np.int64(tag & _U(7))
        if np.int64(tag >> _U(3)) == field and wire == LEN:
            count += 1
        pos = _skip(buf, pos, size, wire)
        if pos == _ERROR:
            return _ERROR, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    tx_start = np.empty(count, dtype=np.int64)
    tx_stop = np.empty(count, dtype=np.int64)
    pos = 0
    i = 0
    while pos < size:  # the first pass found it well formed
        tag, pos = _tag(buf, pos, size)
        wire = np.int64(tag & _U(7))
        if np.int64(tag >> _U(3)) == field and wire == LEN:
            length, pos = _varint(buf, pos, size)
            tx_start[i], tx_stop[i] = pos, pos + np.int64(length)
            pos = tx_stop[i]
            i += 1
        else:
            pos = _skip(buf, pos, size, wire)
    return 0, tx_start, tx_stop


@numba.njit(nogil=True, cache=True)
def _last_field(buf: Any, field: Any) -> Any:  # pragma: no cover - compiled
    """(status, start, stop) of the last field `field` of wire type LEN; (0, 0, 0) if there is none."""
    size = len(buf)
    pos = 0
    start = stop = 0
    while pos < size:
        tag, pos = _tag(buf, pos, size)
        if pos == _ERROR:
            return _ERROR, 0, 0
        wire = np.int64(tag & _U(7))
        if np.int64(tag >> _U(3)) == field and wire == LEN:
            length, pos = _varint(buf, pos, size)
            if pos == _ERROR or length > _U(size - pos):
                return _ERROR, 0, 0
            start, stop = pos, pos + np.int64(length)
            pos = stop
        else:
            pos = _skip(buf, pos, size, wire)
            if pos == _ERROR:
                return _ERROR, 0, 0
    return 0, start, stop


@numba.njit(nogil=True, cache=True)
def _parse(
    buf: Any,
    tx_start: Any,
    tx_stop: Any,
    latest_second: Any,
    k0: Any,
    k1: Any,
    id_numbers: Any,
    id_first: Any,
    id_rest: Any,
    iso: Any,
    types: Any,
    channels: Any,
) -> Any:  # pragma: no cover - compiled
    """The transactions at [tx_start[r], tx_stop[r]) of `buf`, as columns: (status, id starts, id stops,
    id hashes, integer columns, float columns, located, plainly valid)."""
    count = len(tx_start)
    n_ids = len(id_numbers)
    slot_of = np.full(64, -1, dtype=np.int64)
    for k in range(n_ids):
        slot_of[id_numbers[k]] = k
    starts, stops, hashes, ints, floats, located, ok = _empty(count, n_ids)
    scratch = np.zeros(1, dtype=np.uint64)
    for r in range(count):
        pos, end = tx_start[r], tx_stop[r]
        currency = (0, 0)
        fee_currency = (0, 0)
        amount: Any = 0
        fee: Any = 0
        kind: Any = 0
        channel: Any = 0
        seconds: Any = 0
        nanos: Any = 0
        mcc_start = mcc_stop = 0
        lat = lon = 0.0
        here = False
        # A singular message field sent twice is merged by protobuf: leave such rows to it.
        merged = False
        seen: Any = 0
        while pos < end:
            tag, pos = _tag(buf, pos, end)
            if pos == _ERROR:
                return _failed(n_ids)
            number, wire = np.int64(tag >> _U(3)), np.int64(tag & _U(7))
            k = slot_of[number] if number < 64 else -1
            if wire == LEN and (
                k >= 0 or number in (AMOUNT, FEE, OCCURRED_AT, LOCATION, MCC, TAGS, DESCRIPTION)
            ):
                length, pos = _varint(buf, pos, end)
                if pos == _ERROR or length > _U(end - pos):
                    return _failed(n_ids)
                sub, sub_end = pos, pos + np.int64(length)
                pos = sub_end
                if number in (AMOUNT, FEE, OCCURRED_AT, LOCATION):
                    bit = 1 << number
                    merged |= (seen & bit) != 0
                    seen |= bit
                elif not _utf8(buf, sub, sub_end):
                    return _failed(n_ids)
                if k >= 0:
                    starts[k, r], stops[k, r] = sub, sub_end
                elif number == MCC:
                    mcc_start, mcc_stop = sub, sub_end
                elif number in (AMOUNT, FEE):
                    status, c0, c1, minor = _money(buf, sub, sub_end)
                    if status != 0:
                        return _failed(n_ids)
                    if number == AMOUNT:
                        currency, amount = (c0, c1), minor
                    else:
                        fee_currency, fee = (c0, c1), minor
                elif number == OCCURRED_AT:
                    while sub < sub_end:
                        t, sub = _tag(buf, sub, sub_end)
                        if sub == _ERROR:
                            return _failed(n_ids)
                        n_, w_ = np.int64(t >> _U(3)), np.int64(t & _U(7))
                        if n_ == SECONDS and w_ == VARINT:
                            v, sub = _varint(buf, sub, sub_end)
                            seconds = np.int64(v)
                        elif n_ == NANOS and w_ == VARINT:
                            v, sub = _varint(buf, sub, sub_end)
                            nanos = _int32(v)
                        else:
                            sub = _skip(buf, sub, sub_end, w_)
                        if sub == _ERROR:
                            return _failed(n_ids)
                elif number == LOCATION:  # its point is read, its texts checked
                    while sub < sub_end:
                        t, sub = _tag(buf, sub, sub_end)
                        if sub == _ERROR:
                            return _failed(n_ids)
                        w_ = np.int64(t & _U(7))
                        if np.int64(t >> _U(3)) == _POINT and w_ == LEN:
                            plen, sub = _varint(buf, sub, sub_end)
                            if sub == _ERROR or plen > _U(sub_end - sub):
                                return _failed(n_ids)
                            p, p_end = sub, sub + np.int64(plen)
                            sub = p_end
                            here = True
                            while p < p_end:
                                t2, p = _tag(buf, p, p_end)
                                if p == _ERROR:
                                    return _failed(n_ids)
                                n2, w2 = np.int64(t2 >> _U(3)), np.int64(t2 & _U(7))
                                if w2 == FIXED64 and (n2 in (LATITUDE, LONGITUDE)) and p + 8 <= p_end:
                                    value = _double(buf, p, scratch)
                                    if n2 == LATITUDE:
                                        lat = value
                                    else:
                                        lon = value
                                    p += 8
                                else:
                                    p = _skip(buf, p, p_end, w2)
                                if p == _ERROR:
                                    return _failed(n_ids)
                        elif w_ == LEN and np.int64(t >> _U(3)) in _PLACE_TEXTS:
                            slen, sub = _varint(buf, sub, sub_end)
                            if sub == _ERROR or slen > _U(sub_end - sub):
                                return _failed(n_ids)
                            if not _utf8(buf, sub, sub + np.int64(slen)):
                                return _failed(n_ids)
                            sub += np.int64(slen)
                        else:
                            sub = _skip(buf, sub, sub_end, w_)
                            if sub == _ERROR:
                                return _failed(n_ids)
            elif wire == VARINT and (number in (TYPE, CHANNEL)):
                v, pos = _varint(buf, pos, end)
                if number == TYPE:
                    kind = _int32(v)
                else:
                    channel = _int32(v)
            else:
                pos = _skip(buf, pos, end, wire)
            if pos == _ERROR:
                return _failed(n_ids)

        mcc: Any = -1
        if mcc_stop - mcc_start == 4:
            mcc = 0
            for j in range(mcc_start, mcc_stop):
                digit = np.int64(buf[j]) - 48
                if digit < 0 or digit > 9:
                    mcc = -1
                    break
                mcc = mcc * 10 + digit
        ints[0, r], ints[1, r], ints[2, r], ints[3, r] = amount, fee, kind, channel
        ints[4, r] = seconds * 1_000_000 + nanos // 1000
        ints[5, r] = mcc
        floats[0, r], floats[1, r] = lat, lon
        located[r] = here

        valid = not merged
        for k in range(n_ids - 1):  # the ip address is not checked
            if not _valid_id(buf, starts[k, r], stops[k, r], k < _REQUIRED_IDS, id_first, id_rest):
                valid = False
        code = _code3(buf, currency[0], currency[1])
        at = np.searchsorted(iso, code)
        valid &= at < len(iso) and iso[at] == code
        valid &= amount > 0 and fee >= 0
        if fee_currency[1] > fee_currency[0]:
            same = fee_currency[1] - fee_currency[0] == currency[1] - currency[0]
            if same:
                for j in range(currency[1] - currency[0]):
                    if buf[fee_currency[0] + j] != buf[currency[0] + j]:
                        same = False
                        break
            valid &= same
        else:
            valid &= fee == 0
        valid &= _known(kind, types) and _known(channel, channels)
        valid &= seconds > 0 and seconds <= latest_second and 0 <= nanos < 1_000_000_000
        if here:
            valid &= abs(lat) <= 90.0 and abs(lon) <= 180.0
        valid &= mcc >= 0 or mcc_stop == mcc_start
        ok[r] = valid

    for k in range(n_ids):
        for r in range(count):
            if stops[k, r] > starts[k, r]:
                hashes[k, r] = hashing.siphash(buf, starts[k, r], stops[k, r], k0, k1)
    return 0, starts, stops, hashes, ints, floats, located, ok


@numba.njit(inline="always")
def _empty(n: Any, n_ids: Any) -> Any:  # pragma: no cover
    return (
        np.zeros((n_ids, n), dtype=np.int64),
        np.zeros((n_ids, n), dtype=np.int64),
        np.zeros((n_ids, n), dtype=np.int64),
        np.zeros((6, n), dtype=np.int64),
        np.zeros((2, n), dtype=np.float64),
        np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.bool_),
    )


@numba.njit(inline="always")
def _failed(n_ids: Any) -> Any:  # pragma: no cover
    starts, stops, hashes, ints, floats, located, ok = _empty(0, n_ids)
    return _ERROR, starts, stops, hashes, ints, floats, located, ok
