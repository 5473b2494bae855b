"""Merkle-root anchors on the real network."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from payrisk_ledger.fabric import Contract, EndorseError

pytestmark = [pytest.mark.fabric, pytest.mark.timeout(1800)]


async def test_an_anchor_is_written_and_read_back(
    contract: Contract, anchor_json: Callable[..., str]
) -> None:
    request = json.loads(anchor_json())
    request["merkle_root"] = request["merkle_root"].upper()
    result = await contract.submit("AnchorBatch", json.dumps(request))

    stored = json.loads(await contract.evaluate("GetAnchor", request["batch_id"]))
    assert stored == json.loads(result.payload)
    assert stored["merkle_root"] == request["merkle_root"].lower()
    assert stored["record_count"] == request["record_count"]
    assert stored["metadata"] == request["metadata"]
    assert stored["kind"] == "decision"
    assert stored["tx_id"] == result.tx_id
    assert stored["anchored_at_us"] > 0


async def test_an_unknown_batch_reads_as_nothing(contract: Contract, new_id: Callable[[str], str]) -> None:
    assert await contract.evaluate("GetAnchor", new_id("B")) == b""


async def test_a_batch_is_anchored_only_once(contract: Contract, anchor_json: Callable[..., str]) -> None:
    first = json.loads(anchor_json())
    await contract.submit("AnchorBatch", json.dumps(first))
    with pytest.raises(EndorseError) as refused:
        await contract.submit("AnchorBatch", anchor_json(batch_id=first["batch_id"]))
    assert refused.value.chaincode_code == "ALREADY_EXISTS"
    assert f"batch {first['batch_id']} is already anchored" in refused.value.chaincode_message
    stored = json.loads(await contract.evaluate("GetAnchor", first["batch_id"]))
    assert stored["merkle_root"] == first["merkle_root"]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"merkle_root": "abc123"}, "merkle_root must be 64 hexadecimal"),
        ({"record_count": 0}, "record_count must be positive"),
        ({"kind": "DECISION"}, "kind must be"),
        ({"metadata": {"model": 7}}, "metadata['model'] must be a string"),
    ],
)
async def test_a_malformed_anchor_is_refused_and_nothing_is_written(
    contract: Contract, anchor_json: Callable[..., str], changes: dict[str, object], problem: str
) -> None:
    request = json.loads(anchor_json(**changes))
    with pytest.raises(EndorseError) as refused:
        await contract.submit("AnchorBatch", json.dumps(request))
    assert refused.value.chaincode_code == "INVALID_ARGUMENT"
    assert problem in refused.value.chaincode_message
    assert await contract.evaluate("GetAnchor", request["batch_id"]) == b""
