"""What the ledger records beyond the chaincode's answers: endorsements, events, height; and Fabric's own CLI."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from payrisk_ledger.fabric import (
    ChaincodeEvent,
    CommitError,
    Contract,
    Gateway,
    NetworkConfig,
    chain_info,
    transaction_record,
)

pytestmark = [pytest.mark.fabric, pytest.mark.timeout(1800)]


async def test_a_transaction_carries_both_organisations_endorsements(
    fabric_network: NetworkConfig, org1_gateway: Gateway, contract: Contract, freeze_json: Callable[..., str]
) -> None:
    result = await contract.submit("CreateFreeze", freeze_json())
    record = await transaction_record(org1_gateway, fabric_network.channel, result.tx_id)
    assert record.validation_name == "VALID"
    assert record.block_number == result.block_number
    assert sorted(record.endorser_msp_ids) == ["Org1MSP", "Org2MSP"]


async def test_one_organisations_endorsement_fails_the_policy(
    contract: Contract, freeze_json: Callable[..., str]
) -> None:
    request = json.loads(freeze_json())
    with pytest.raises(CommitError) as failed:
        await contract.submit("CreateFreeze", json.dumps(request), endorsing_organizations=["Org1MSP"])
    assert failed.value.validation_name == "ENDORSEMENT_POLICY_FAILURE"
    assert failed.value.block_number > 0
    assert await contract.evaluate("GetFreeze", request["freeze_id"]) == b""


async def next_events(events: asyncio.Queue[ChaincodeEvent], count: int) -> list[ChaincodeEvent]:
    return [await asyncio.wait_for(events.get(), 30) for _ in range(count)]


async def test_every_write_emits_a_chaincode_event(
    fabric_network: NetworkConfig,
    org1_gateway: Gateway,
    contract: Contract,
    freeze_json: Callable[..., str],
    anchor_json: Callable[..., str],
) -> None:
    start = (await chain_info(org1_gateway, fabric_network.channel)).height
    received: asyncio.Queue[ChaincodeEvent] = asyncio.Queue()

    async def collect() -> None:
        async for event in contract.chaincode_events(start_block=start):
            received.put_nowait(event)

    collector = asyncio.create_task(collect())
    try:
        created = await contract.submit("CreateFreeze", freeze_json())
        freeze_id = json.loads(created.payload)["freeze_id"]
        released = await contract.submit("ReleaseFreeze", freeze_id, "cleared")
        anchored = await contract.submit("AnchorBatch", anchor_json())
        events = await next_events(received, 3)
    finally:
        collector.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await collector

    assert [(e.name, e.tx_id) for e in events] == [
        ("FreezeCreated", created.tx_id),
        ("FreezeReleased", released.tx_id),
        ("BatchAnchored", anchored.tx_id),
    ]
    assert [e.block_number for e in events] == [
        created.block_number,
        released.block_number,
        anchored.block_number,
    ]
    assert {e.chaincode for e in events} == {fabric_network.chaincode}
    assert json.loads(events[0].payload) == json.loads(created.payload)
    assert json.loads(events[1].payload)["status"] == "RELEASED"
    assert json.loads(events[2].payload) == json.loads(anchored.payload)


async def test_events_resume_after_a_checkpoint(
    fabric_network: NetworkConfig, org1_gateway: Gateway, contract: Contract, anchor_json: Callable[..., str]
) -> None:
    first = await contract.submit("AnchorBatch", anchor_json())
    second = await contract.submit("AnchorBatch", anchor_json())
    events = contract.chaincode_events(start_block=first.block_number, after_tx_id=first.tx_id)
    try:
        event = await asyncio.wait_for(anext(events), 30)
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    assert event.tx_id == second.tx_id


async def test_the_ledger_grows_with_each_commit(
    fabric_network: NetworkConfig, org1_gateway: Gateway, contract: Contract, anchor_json: Callable[..., str]
) -> None:
    before = await chain_info(org1_gateway, fabric_network.channel)
    result = await contract.submit("AnchorBatch", anchor_json())
    after = await chain_info(org1_gateway, fabric_network.channel)
    assert before.height <= result.block_number < after.height
    assert after.current_block_hash != before.current_block_hash


async def test_fabrics_own_cli_reads_what_the_client_wrote(
    fabric_network: NetworkConfig,
    contract: Contract,
    freeze_json: Callable[..., str],
    peer_cli_env: Callable[[str], dict[str, str]],
) -> None:
    written = json.loads((await contract.submit("CreateFreeze", freeze_json())).payload)
    env = peer_cli_env("org2")  # the other organisation's peer, as its own client
    query = json.dumps({"Args": ["GetFreeze", written["freeze_id"]]})
    answered = await asyncio.to_thread(
        subprocess.run,
        [
            str(Path(env["FABRIC_BIN"]) / "peer"),
            "chaincode", "query", "-C", fabric_network.channel, "-n", fabric_network.chaincode, "-c", query,
        ],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout) == written
