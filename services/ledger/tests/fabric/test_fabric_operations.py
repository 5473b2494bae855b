"""Operating the network: a peer stopped and restarted, an already running network, a chaincode upgrade."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from payrisk_ledger.fabric import Contract, EndorseError, NetworkConfig

pytestmark = [pytest.mark.fabric, pytest.mark.timeout(1800)]

NetworkSh = Callable[..., subprocess.CompletedProcess[str]]


def run_ok(run_network_sh: NetworkSh, *args: str) -> str:
    done = run_network_sh(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_starting_a_running_network_changes_nothing(
    fabric_network: NetworkConfig, run_network_sh: NetworkSh
) -> None:
    assert "already running" in run_ok(run_network_sh, "up")
    status = run_ok(run_network_sh, "status")
    for node in ("orderer", "peer0.org1", "peer0.org2", "chaincode"):
        assert any(line.startswith(node) and line.endswith(", healthy") for line in status.splitlines())


async def test_a_stopped_peer_blocks_endorsement_until_it_is_back(
    fabric_network: NetworkConfig,
    contract: Contract,
    freeze_json: Callable[..., str],
    run_network_sh: NetworkSh,
) -> None:
    before = json.loads((await contract.submit("CreateFreeze", freeze_json())).payload)
    run_ok(run_network_sh, "stop-node", "peer0.org2")
    try:
        with pytest.raises(EndorseError) as refused:
            await contract.submit("CreateFreeze", freeze_json())
        # Either Org2's peer is named as unreachable, or (once the gateway has noticed it is gone) no set of
        # peers can satisfy the policy that needs both organisations.
        assert any(d.msp_id == "Org2MSP" for d in refused.value.details) or (
            "endorsement policy" in str(refused.value)
        )
        # Org1's peer still answers queries on its own.
        assert json.loads(await contract.evaluate("GetFreeze", before["freeze_id"])) == before
    finally:
        run_ok(run_network_sh, "start-node", "peer0.org2")

    after = json.loads((await contract.submit("CreateFreeze", freeze_json())).payload)
    assert json.loads(await contract.evaluate("GetFreeze", after["freeze_id"])) == after
    # The restarted peer kept its ledger: it endorses reads of what was written before it stopped.
    released = await contract.submit("ReleaseFreeze", before["freeze_id"], "after the restart")
    assert json.loads(released.payload)["status"] == "RELEASED"


@pytest.mark.slow
async def test_the_chaincode_upgrades_to_the_next_sequence(
    fabric_network: NetworkConfig,
    network_json_path: Path,
    contract: Contract,
    freeze_json: Callable[..., str],
    run_network_sh: NetworkSh,
) -> None:
    before = json.loads(await contract.evaluate("Ping"))["package_id"]
    sequence = int(before.split(":")[0].rsplit("_", 1)[1])
    written = json.loads((await contract.submit("CreateFreeze", freeze_json())).payload)

    run_ok(run_network_sh, "upgrade-cc")

    after = json.loads(await contract.evaluate("Ping"))["package_id"]
    assert after.startswith(f"{fabric_network.chaincode}_{sequence + 1}:")
    assert NetworkConfig.load(network_json_path).chaincode_sequence == sequence + 1
    assert json.loads(await contract.evaluate("GetFreeze", written["freeze_id"])) == written
    created = await contract.submit("CreateFreeze", freeze_json())
    assert json.loads(created.payload)["status"] == "FROZEN"
