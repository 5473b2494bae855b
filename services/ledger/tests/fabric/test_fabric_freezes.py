"""Freezes on the real network: through the Gateway client, into the Python chaincode, endorsed by both orgs."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from payrisk_ledger.fabric import Contract, EndorseError, EvaluateError, Gateway, NetworkConfig

pytestmark = [pytest.mark.fabric, pytest.mark.timeout(1800)]


async def read_freeze(contract: Contract, freeze_id: str) -> dict[str, object] | None:
    payload = await contract.evaluate("GetFreeze", freeze_id)
    return json.loads(payload) if payload else None


async def test_a_freeze_is_written_and_read_back(
    contract: Contract, freeze_json: Callable[..., str], new_id: Callable[[str], str]
) -> None:
    request = json.loads(freeze_json())
    result = await contract.submit("CreateFreeze", json.dumps(request))
    stored = json.loads(result.payload)
    assert stored == {
        **request,
        "status": "FROZEN",
        "created_at_us": stored["created_at_us"],
        "released_at_us": 0,
        "release_reason": "",
    }
    assert stored["created_at_us"] > 1_700_000_000_000_000
    assert result.block_number > 0
    assert len(result.tx_id) == 64
    assert await read_freeze(contract, request["freeze_id"]) == stored


async def test_the_other_organisation_reads_the_same_freeze(
    fabric_network: NetworkConfig, contract: Contract, org2_gateway: Gateway, freeze_json: Callable[..., str]
) -> None:
    result = await contract.submit("CreateFreeze", freeze_json())
    freeze_id = json.loads(result.payload)["freeze_id"]
    org2 = org2_gateway.contract(fabric_network.channel, fabric_network.chaincode)
    assert await read_freeze(org2, freeze_id) == json.loads(result.payload)


async def test_an_unknown_freeze_reads_as_nothing(contract: Contract, new_id: Callable[[str], str]) -> None:
    assert await read_freeze(contract, new_id("F")) is None


async def test_a_duplicate_freeze_id_is_refused(contract: Contract, freeze_json: Callable[..., str]) -> None:
    first = json.loads(freeze_json())
    await contract.submit("CreateFreeze", json.dumps(first))
    with pytest.raises(EndorseError) as refused:
        await contract.submit("CreateFreeze", freeze_json(freeze_id=first["freeze_id"], amount_minor=1))
    assert refused.value.chaincode_code == "ALREADY_EXISTS"
    assert f"freeze {first['freeze_id']} already exists" in refused.value.chaincode_message
    assert refused.value.details, "the peers' explanations are attached"
    assert (await read_freeze(contract, first["freeze_id"]) or {})["amount_minor"] == first["amount_minor"]


async def test_a_freeze_is_released_once(contract: Contract, freeze_json: Callable[..., str]) -> None:
    created = json.loads((await contract.submit("CreateFreeze", freeze_json())).payload)
    released = await contract.submit("ReleaseFreeze", created["freeze_id"], "chargeback window closed")
    record = json.loads(released.payload)
    assert record["status"] == "RELEASED"
    assert record["release_reason"] == "chargeback window closed"
    assert record["released_at_us"] >= created["created_at_us"]
    assert await read_freeze(contract, created["freeze_id"]) == record

    with pytest.raises(EndorseError) as again:
        await contract.submit("ReleaseFreeze", created["freeze_id"], "twice")
    assert again.value.chaincode_code == "FAILED_PRECONDITION"
    assert "already released" in again.value.chaincode_message


async def test_releasing_an_unknown_freeze_is_refused(
    contract: Contract, new_id: Callable[[str], str]
) -> None:
    with pytest.raises(EndorseError) as refused:
        await contract.submit("ReleaseFreeze", new_id("F"), "no such freeze")
    assert refused.value.chaincode_code == "NOT_FOUND"


async def test_a_merchants_freezes_are_listed(
    contract: Contract, freeze_json: Callable[..., str], new_id: Callable[[str], str]
) -> None:
    merchant, other = new_id("M"), new_id("M")
    ids = sorted([new_id("F") for _ in range(3)])
    for freeze_id in ids:
        await contract.submit("CreateFreeze", freeze_json(freeze_id=freeze_id, merchant_id=merchant))
    await contract.submit("CreateFreeze", freeze_json(merchant_id=other))
    await contract.submit("ReleaseFreeze", ids[1], "cleared")

    listed = json.loads(await contract.evaluate("ListMerchantFreezes", merchant))
    assert [f["freeze_id"] for f in listed] == ids
    assert [f["status"] for f in listed] == ["FROZEN", "RELEASED", "FROZEN"]
    assert json.loads(await contract.evaluate("ListMerchantFreezes", new_id("M"))) == []


async def test_history_shows_the_creation_then_the_release(
    contract: Contract, freeze_json: Callable[..., str]
) -> None:
    created = await contract.submit("CreateFreeze", freeze_json())
    freeze_id = json.loads(created.payload)["freeze_id"]
    released = await contract.submit("ReleaseFreeze", freeze_id, "cleared")

    history = json.loads(await contract.evaluate("GetHistory", freeze_id))
    assert [entry["tx_id"] for entry in history] == [created.tx_id, released.tx_id]
    assert [entry["freeze"]["status"] for entry in history] == ["FROZEN", "RELEASED"]
    assert history[0]["timestamp_us"] <= history[1]["timestamp_us"]
    assert not any(entry["is_delete"] for entry in history)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"amount_minor": -100}, "amount_minor must be positive"),
        ({"amount_minor": "100"}, "amount_minor must be an integer"),
        ({"currency": "yuan"}, "currency must be a 3-letter"),
        ({"transaction_ids": []}, "transaction_ids must be a non-empty list"),
        ({"merchant_id": ...}, "merchant_id is required"),
        ({"reason": ""}, "reason is required"),
        ({"frozen_by": "someone"}, "unknown field 'frozen_by'"),
    ],
)
async def test_a_malformed_freeze_is_refused_and_nothing_is_written(
    contract: Contract, freeze_json: Callable[..., str], changes: dict[str, object], problem: str
) -> None:
    request = json.loads(freeze_json(**changes))
    with pytest.raises(EndorseError) as refused:
        await contract.submit("CreateFreeze", json.dumps(request))
    assert refused.value.chaincode_code == "INVALID_ARGUMENT"
    assert problem in refused.value.chaincode_message
    assert await read_freeze(contract, request["freeze_id"]) is None
    if "merchant_id" in request:
        assert json.loads(await contract.evaluate("ListMerchantFreezes", request["merchant_id"])) == []


async def test_a_request_that_is_not_json_is_refused(contract: Contract) -> None:
    with pytest.raises(EndorseError) as refused:
        await contract.submit("CreateFreeze", "freeze everything")
    assert refused.value.chaincode_code == "INVALID_ARGUMENT"
    assert "freeze_json: is not valid JSON" in refused.value.chaincode_message


async def test_a_malformed_query_is_refused(contract: Contract) -> None:
    with pytest.raises(EvaluateError) as refused:
        await contract.evaluate("GetFreeze", "not an id!")
    assert refused.value.chaincode_code == "INVALID_ARGUMENT"
