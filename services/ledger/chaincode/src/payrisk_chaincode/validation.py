"""Checks on what clients send, done inside the chaincode so that no client can write a malformed record.

Every check collects all the problems of a request before refusing it, so one refusal names every bad field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import InvalidArgument

# The same identifiers the services accept (payrisk_runtime.validation.ID_PATTERN).
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
MERKLE_ROOT_PATTERN = re.compile(r"^[0-9a-fA-F]{64}$")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

MAX_TEXT = 1024
MAX_TRANSACTIONS_PER_FREEZE = 10_000
MAX_METADATA_ENTRIES = 64
MAX_METADATA_KEY = 128
# Amounts are int64 minor units everywhere else in payrisk.
MAX_AMOUNT_MINOR = 2**63 - 1
ID_RULE = "must be 1-128 characters of letters, digits and . _ : @ / - (starting with a letter or digit)"

FREEZE_FIELDS = frozenset(
    {"freeze_id", "merchant_id", "instruction_id", "amount_minor", "currency", "transaction_ids", "reason"}
)
ANCHOR_FIELDS = frozenset({"batch_id", "kind", "merkle_root", "record_count", "metadata"})


@dataclass(frozen=True, slots=True)
class FreezeRequest:
    freeze_id: str
    merchant_id: str
    instruction_id: str
    amount_minor: int
    currency: str
    transaction_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class AnchorRequest:
    batch_id: str
    kind: str
    merkle_root: str  # lower-case hex
    record_count: int
    metadata: dict[str, str]


def id_problem(field: str, value: object, *, required: bool = True) -> str | None:
    if value == "" and not required:
        return None
    if not isinstance(value, str) or not value:
        return f"{field} is required (a string)"
    if not ID_PATTERN.match(value):
        return f"{field} {ID_RULE}"
    return None


def text_problem(field: str, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{field} is required (a non-blank string)"
    if len(value) > MAX_TEXT:
        return f"{field} must be at most {MAX_TEXT} characters"
    return None


def positive_int_problem(field: str, value: object, maximum: int = MAX_AMOUNT_MINOR) -> str | None:
    # bool is an int in Python, and "1" is not a number: both are refused.
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{field} must be an integer"
    if not 0 < value <= maximum:
        return f"{field} must be positive (and at most {maximum})"
    return None


def check_id(argument: str, value: str) -> None:
    """For a bare identifier argument (freeze id, merchant id, batch id)."""
    problem = id_problem(argument, value)
    if problem:
        raise InvalidArgument(argument, [problem])


def check_text(argument: str, value: str) -> None:
    problem = text_problem(argument, value)
    if problem:
        raise InvalidArgument(argument, [problem])


def parse_object(argument: str, text: str, allowed: frozenset[str]) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise InvalidArgument(argument, [f"is not valid JSON ({exc})"]) from None
    if not isinstance(value, dict):
        raise InvalidArgument(argument, ["must be a JSON object"])
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidArgument(argument, [f"unknown field {name!r}" for name in unknown])
    return value


def transaction_ids_problems(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["transaction_ids must be a non-empty list of transaction ids"]
    if len(value) > MAX_TRANSACTIONS_PER_FREEZE:
        return [f"transaction_ids must hold at most {MAX_TRANSACTIONS_PER_FREEZE} ids"]
    problems = [p for i, item in enumerate(value) if (p := id_problem(f"transaction_ids[{i}]", item))]
    if not problems and len(set(value)) != len(value):
        problems.append("transaction_ids must not repeat")
    return problems


def parse_freeze_request(text: str) -> FreezeRequest:
    data = parse_object("freeze_json", text, FREEZE_FIELDS)
    currency = data.get("currency")
    problems = [
        id_problem("freeze_id", data.get("freeze_id")),
        id_problem("merchant_id", data.get("merchant_id")),
        id_problem("instruction_id", data.get("instruction_id", ""), required=False),
        positive_int_problem("amount_minor", data.get("amount_minor")),
        None
        if isinstance(currency, str) and CURRENCY_PATTERN.match(currency)
        else "currency must be a 3-letter ISO 4217 code in capitals",
        text_problem("reason", data.get("reason")),
    ]
    found = [p for p in problems if p] + transaction_ids_problems(data.get("transaction_ids"))
    if found:
        raise InvalidArgument("freeze_json", found)
    return FreezeRequest(
        freeze_id=data["freeze_id"],
        merchant_id=data["merchant_id"],
        instruction_id=data.get("instruction_id", ""),
        amount_minor=data["amount_minor"],
        currency=data["currency"],
        transaction_ids=tuple(data["transaction_ids"]),
        reason=data["reason"],
    )


def metadata_problems(value: object) -> list[str]:
    if not isinstance(value, dict):
        return ["metadata must be a JSON object of strings"]
    if len(value) > MAX_METADATA_ENTRIES:
        return [f"metadata must hold at most {MAX_METADATA_ENTRIES} entries"]
    problems = []
    for key, item in value.items():
        if not key or len(key) > MAX_METADATA_KEY:
            problems.append(f"metadata keys must be 1-{MAX_METADATA_KEY} characters")
        if not isinstance(item, str) or len(item) > MAX_TEXT:
            problems.append(f"metadata[{key!r}] must be a string of at most {MAX_TEXT} characters")
    return problems


def parse_anchor_request(text: str) -> AnchorRequest:
    data = parse_object("anchor_json", text, ANCHOR_FIELDS)
    kind, root = data.get("kind"), data.get("merkle_root")
    problems = [
        id_problem("batch_id", data.get("batch_id")),
        None
        if isinstance(kind, str) and KIND_PATTERN.match(kind)
        else "kind must be 1-64 characters of lower-case letters, digits and _ (starting with a letter)",
        None
        if isinstance(root, str) and MERKLE_ROOT_PATTERN.match(root)
        else "merkle_root must be 64 hexadecimal characters (a SHA-256 digest)",
        positive_int_problem("record_count", data.get("record_count")),
    ]
    found = [p for p in problems if p] + metadata_problems(data.get("metadata", {}))
    if found:
        raise InvalidArgument("anchor_json", found)
    return AnchorRequest(
        batch_id=data["batch_id"],
        kind=data["kind"],
        merkle_root=data["merkle_root"].lower(),
        record_count=data["record_count"],
        metadata=dict(data.get("metadata", {})),
    )
