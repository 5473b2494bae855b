"""Checks for the shared message types, collecting every bad field instead of stopping at the first."""

from __future__ import annotations

import re
import time

from payrisk.common.v1 import common_pb2

from ._errors import FieldViolation, InvalidArgument

# Active ISO 4217 currency codes.
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
    NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG""".split()  # noqa: SIM905
)

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$")

# Clocks drift; anything further ahead than this is a client bug or a forgery.
MAX_FUTURE_SKEW_SECONDS = 300


class Violations:
    """Collects field violations; `raise_if_any` turns them into one InvalidArgument."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)


def check_id(violations: Violations, field: str, value: str, *, required: bool = True) -> None:
    if not value:
        if required:
            violations.add(field, "is required")
        return
    if not ID_PATTERN.match(value):
        violations.add(field, "must be 1-128 characters of letters, digits and . _ : @ / -")


def check_money(
    violations: Violations,
    field: str,
    money: common_pb2.Money,
    *,
    positive: bool = True,
    required: bool = True,
) -> None:
    if money.currency_code == "" and money.minor_units == 0:
        if required:
            violations.add(field, "is required")
        return
    if money.currency_code not in ISO_4217:
        violations.add(f"{field}.currency_code", f"unknown ISO 4217 currency {money.currency_code!r}")
    if positive and money.minor_units <= 0:
        violations.add(f"{field}.minor_units", "must be positive")
    elif money.minor_units < 0:
        violations.add(f"{field}.minor_units", "must not be negative")


def check_geo_point(violations: Violations, field: str, point: common_pb2.GeoPoint) -> None:
    if not -90.0 <= point.latitude <= 90.0:
        violations.add(f"{field}.latitude", "must be within [-90, 90]")
    if not -180.0 <= point.longitude <= 180.0:
        violations.add(f"{field}.longitude", "must be within [-180, 180]")


def check_past_timestamp(
    violations: Violations, field: str, seconds: int, nanos: int, *, now: float | None = None
) -> None:
    """A required timestamp that is not in the future (beyond clock skew)."""
    if seconds == 0 and nanos == 0:
        violations.add(field, "is required")
        return
    if not 0 <= nanos < 1_000_000_000 or seconds < 0:
        violations.add(field, "is not a valid timestamp")
        return
    if seconds > (now if now is not None else time.time()) + MAX_FUTURE_SKEW_SECONDS:
        violations.add(field, "is in the future")


# The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def valid_timestamp(seconds: int, nanos: int) -> bool:
    return _MIN_SECONDS <= seconds <= _MAX_SECONDS and 0 <= nanos < 1_000_000_000


def timestamp_micros(field: str, seconds: int, nanos: int) -> int:
    """Epoch microseconds of a Timestamp, or InvalidArgument naming the field when it is not a valid one."""
    if not valid_timestamp(seconds, nanos):
        raise InvalidArgument.field(field, "is not a valid timestamp")
    return seconds * 1_000_000 + nanos // 1000
