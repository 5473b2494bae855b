"""`python -m payrisk_ledger.fabric.probe --network FILE`: waits until every peer's Gateway can endorse.

Endorsing (never submitting) the chaincode's Ping needs the endorsement policy satisfied, so it succeeds
only once each gateway knows, through gossip, the other organisation's peer and that it runs the chaincode.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from .config import NetworkConfig
from .connect import connect
from .errors import FabricError

RETRY_SECONDS = 0.25


async def endorse_ping(network: NetworkConfig, msp_id: str) -> None:
    async with connect(network, msp_id) as gateway:
        await gateway.contract(network.channel, network.chaincode).endorse("Ping")


async def wait_until_ready(network: NetworkConfig, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for msp_id in network.msp_ids:
        while True:
            try:
                await endorse_ping(network, msp_id)
                break
            except FabricError as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{msp_id}'s gateway cannot endorse: {error}") from error
                await asyncio.sleep(RETRY_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", required=True, help="network.json written by deploy/fabric/network.sh")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait")
    args = parser.parse_args(argv)
    try:
        asyncio.run(wait_until_ready(NetworkConfig.load(args.network), args.timeout))
    except TimeoutError as error:
        print(f"fabric: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
