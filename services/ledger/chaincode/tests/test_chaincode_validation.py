"""The chaincode's checks of what clients send: every malformed request is refused, naming every bad field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from payrisk_chaincode.errors import AlreadyExists, InvalidArgument
from payrisk_chaincode.records import FreezeRecord, canonical_json
from payrisk_chaincode.validation import (
    MAX_TEXT,
    check_id,
    check_text,
    parse_anchor_request,
    parse_freeze_request,
)

ROOT = "ab" * 32


def freeze(**changes: Any) -> str:
    data: dict[str, Any] = {
        "freeze_id": "F-1",
        "merchant_id": "M-1",
        "instruction_id": "SI-9",
        "amount_minor": 125_00,
        "currency": "CNY",
        "transaction_ids": ["T-1", "T-2"],
        "reason": "suspected merchant",
    }
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not ...})


def anchor(**changes: Any) -> str:
    data: dict[str, Any] = {
        "batch_id": "B-1",
        "kind": "decision",
        "merkle_root": ROOT,
        "record_count": 3,
        "metadata": {"source": "risk"},
    }
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not ...})


def refusal(call: Any, *args: Any) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        call(*args)
    return caught.value


def test_a_well_formed_freeze_is_accepted() -> None:
    request = parse_freeze_request(freeze())
    assert request.freeze_id == "F-1"
    assert request.amount_minor == 12500
    assert request.transaction_ids == ("T-1", "T-2")


def test_the_instruction_id_may_be_left_out() -> None:
    assert parse_freeze_request(freeze(instruction_id=...)).instruction_id == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"freeze_id": ...}, "freeze_id is required"),
        ({"freeze_id": "has space"}, "freeze_id must be"),
        ({"merchant_id": 42}, "merchant_id is required"),
        ({"instruction_id": "bad id!"}, "instruction_id must be"),
        ({"amount_minor": 0}, "amount_minor must be positive"),
        ({"amount_minor": -5}, "amount_minor must be positive"),
        ({"amount_minor": 2**63}, "amount_minor must be positive"),
        ({"amount_minor": 1.5}, "amount_minor must be an integer"),
        ({"amount_minor": "100"}, "amount_minor must be an integer"),
        ({"amount_minor": True}, "amount_minor must be an integer"),
        ({"currency": "cny"}, "currency must be a 3-letter"),
        ({"currency": "CNYX"}, "currency must be a 3-letter"),
        ({"currency": ...}, "currency must be a 3-letter"),
        ({"transaction_ids": []}, "transaction_ids must be a non-empty list"),
        ({"transaction_ids": "T-1"}, "transaction_ids must be a non-empty list"),
        ({"transaction_ids": ["T-1", "T-1"]}, "transaction_ids must not repeat"),
        ({"transaction_ids": ["T-1", ""]}, "transaction_ids[1] is required"),
        ({"reason": "   "}, "reason is required"),
        ({"reason": "x" * (MAX_TEXT + 1)}, f"reason must be at most {MAX_TEXT}"),
        ({"status": "RELEASED"}, "unknown field 'status'"),
    ],
)
def test_a_malformed_freeze_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    error = refusal(parse_freeze_request, freeze(**changes))
    assert field in str(error)
    assert str(error).startswith("[INVALID_ARGUMENT] freeze_json: ")


def test_every_bad_field_is_named_at_once() -> None:
    error = refusal(parse_freeze_request, freeze(freeze_id="", amount_minor=-1, currency="xx"))
    assert len(error.problems) == 3


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", "null", '"F-1"'])
def test_a_freeze_that_is_not_a_json_object_is_refused(text: str) -> None:
    assert "freeze_json" in str(refusal(parse_freeze_request, text))


def test_a_well_formed_anchor_is_accepted_with_its_root_in_lower_case() -> None:
    request = parse_anchor_request(anchor(merkle_root=ROOT.upper()))
    assert request.merkle_root == ROOT
    assert request.metadata == {"source": "risk"}


def test_anchor_metadata_is_optional() -> None:
    assert parse_anchor_request(anchor(metadata=...)).metadata == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"batch_id": ...}, "batch_id is required"),
        ({"kind": "Decision"}, "kind must be"),
        ({"kind": ""}, "kind must be"),
        ({"merkle_root": "ab" * 31}, "merkle_root must be 64 hexadecimal"),
        ({"merkle_root": "zz" * 32}, "merkle_root must be 64 hexadecimal"),
        ({"merkle_root": 5}, "merkle_root must be 64 hexadecimal"),
        ({"record_count": 0}, "record_count must be positive"),
        ({"record_count": "3"}, "record_count must be an integer"),
        ({"metadata": ["a"]}, "metadata must be a JSON object"),
        ({"metadata": {"a": 1}}, "metadata['a'] must be a string"),
        ({"metadata": {"": "x"}}, "metadata keys must be"),
        ({"root": ROOT}, "unknown field 'root'"),
    ],
)
def test_a_malformed_anchor_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    error = refusal(parse_anchor_request, anchor(**changes))
    assert field in str(error)


def test_bare_arguments_are_checked() -> None:
    check_id("freeze_id", "F-1")
    check_text("reason", "cleared")
    assert "freeze_id must be" in str(refusal(check_id, "freeze_id", "F 1"))
    assert "reason is required" in str(refusal(check_text, "reason", ""))


def test_refusals_carry_a_stable_code() -> None:
    assert str(AlreadyExists("freeze F-1 already exists")) == "[ALREADY_EXISTS] freeze F-1 already exists"


def test_records_are_canonical_json_and_round_trip() -> None:
    record = FreezeRecord(**{**json.loads(freeze()), "transaction_ids": ("T-1", "T-2")}, created_at_us=7)
    text = record.to_json()
    assert text == canonical_json(json.loads(text))
    assert " " not in text.replace("suspected merchant", "")
    assert FreezeRecord.from_json(text) == record
