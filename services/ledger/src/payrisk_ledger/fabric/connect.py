"""Opening a Gateway from the network description (`.payrisk/fabric/network.json`)."""

from __future__ import annotations

from .config import NetworkConfig, Role
from .gateway import Gateway, Timeouts


def connect(
    network: NetworkConfig,
    msp_id: str | None = None,
    *,
    role: Role = "client",
    timeouts: Timeouts | None = None,
) -> Gateway:
    """A Gateway on the peer of organisation `msp_id` (default: the first), signing as its client or admin."""
    organization = network.organization(msp_id or network.msp_ids[0])
    peer = network.peer(organization.peers[0])
    return Gateway.connect(peer, organization.identity(role), timeouts)
