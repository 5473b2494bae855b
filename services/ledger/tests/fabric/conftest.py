"""The real Fabric network for the tests: `deploy/fabric/network.sh up` once per session (a no-op when running).

When Fabric's binaries cannot be had (network.sh exits with 3) the tests are skipped with the reason;
any other failure to start the network fails them.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from payrisk_ledger.fabric import Contract, Gateway, NetworkConfig, connect
from payrisk_runtime.local import start_fabric

REPO_ROOT = Path(__file__).resolve().parents[4]
NETWORK_SH = REPO_ROOT / "deploy" / "fabric" / "network.sh"
NETWORK_JSON = REPO_ROOT / ".payrisk" / "fabric" / "network.json"
# Building Fabric from scratch takes minutes; starting a built network takes seconds.
NETWORK_TIMEOUT_SECONDS = 1800


def network_sh(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(NETWORK_SH), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def fabric_network() -> NetworkConfig:
    try:
        network = start_fabric(REPO_ROOT, timeout=NETWORK_TIMEOUT_SECONDS)
    except RuntimeError as error:
        pytest.fail(str(error))
    if network.network_file is None:
        pytest.skip(f"no Fabric binaries: {network.reason}")
    return NetworkConfig.load(network.network_file)


@pytest.fixture
def network_json_path(fabric_network: NetworkConfig) -> Path:
    return NETWORK_JSON


@pytest.fixture
async def org1_gateway(fabric_network: NetworkConfig) -> AsyncIterator[Gateway]:
    async with connect(fabric_network, "Org1MSP") as gateway:
        yield gateway


@pytest.fixture
async def org2_gateway(fabric_network: NetworkConfig) -> AsyncIterator[Gateway]:
    async with connect(fabric_network, "Org2MSP") as gateway:
        yield gateway


@pytest.fixture
def contract(fabric_network: NetworkConfig, org1_gateway: Gateway) -> Contract:
    """The payrisk chaincode through Org1's gateway, as Org1's client (User1)."""
    return org1_gateway.contract(fabric_network.channel, fabric_network.chaincode)


def unique(prefix: str) -> str:
    """Ids unique across runs: the network keeps its data between sessions."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def new_id() -> Callable[[str], str]:
    return unique


@pytest.fixture
def freeze_json() -> Callable[..., str]:
    """A valid CreateFreeze argument; keyword arguments replace fields (`...` removes one)."""

    def make(**changes: Any) -> str:
        data: dict[str, Any] = {
            "freeze_id": unique("F"),
            "merchant_id": unique("M"),
            "instruction_id": unique("SI"),
            "amount_minor": 250_00,
            "currency": "CNY",
            "transaction_ids": [unique("T"), unique("T")],
            "reason": "merchant suspected of cash-out",
        }
        data.update(changes)
        return json.dumps({k: v for k, v in data.items() if v is not ...})

    return make


@pytest.fixture
def anchor_json() -> Callable[..., str]:
    def make(**changes: Any) -> str:
        data: dict[str, Any] = {
            "batch_id": unique("B"),
            "kind": "decision",
            "merkle_root": uuid.uuid4().hex * 2,
            "record_count": 1000,
            "metadata": {"source": "risk", "model": "lgbm-7"},
        }
        data.update(changes)
        return json.dumps({k: v for k, v in data.items() if v is not ...})

    return make


@pytest.fixture
def run_network_sh() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`deploy/fabric/network.sh ARGS...`, its output captured."""
    return network_sh


@pytest.fixture
def peer_cli_env(fabric_network: NetworkConfig) -> Callable[[str], dict[str, str]]:
    """The environment `network.sh env org1|org2` gives a `peer` CLI user, parsed from its export lines."""

    def env_for(org: str) -> dict[str, str]:
        printed = network_sh("env", org, timeout=60)
        assert printed.returncode == 0, printed.stderr
        env = dict(os.environ)
        for line in printed.stdout.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            if name != "PATH":  # the PATH line refers to $PATH; FABRIC_BIN names the same folder
                env[name] = shlex.split(value)[0]
        return env

    return env_for
