"""A connection to one peer's Gateway service, signing as one client identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType

import grpc

from .config import PeerConfig
from .contract import Contract
from .identity import SigningIdentity
from .protos import gateway_pb2_grpc

MAX_MESSAGE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds each Gateway call may take. CommitStatus waits for the block, hence the longer default."""

    evaluate: float = 30.0
    endorse: float = 30.0
    submit: float = 30.0
    commit_status: float = 60.0


def secure_channel(peer: PeerConfig) -> grpc.aio.Channel:
    credentials = grpc.ssl_channel_credentials(root_certificates=peer.tls_root_cert.read_bytes())
    options = [
        # The peer's certificate names its host (and 127.0.0.1); the override lets any dialled address work.
        ("grpc.ssl_target_name_override", peer.server_name),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    return grpc.aio.secure_channel(peer.address, credentials, options=options)


@dataclass
class Gateway:
    """Usage: `async with Gateway.connect(peer, identity) as gateway: gateway.contract(channel, name)`."""

    channel: grpc.aio.Channel
    identity: SigningIdentity
    endpoint: str = ""
    timeouts: Timeouts = field(default_factory=Timeouts)

    def __post_init__(self) -> None:
        self.stub = gateway_pb2_grpc.GatewayStub(self.channel)

    @classmethod
    def connect(
        cls, peer: PeerConfig, identity: SigningIdentity, timeouts: Timeouts | None = None
    ) -> Gateway:
        return cls(secure_channel(peer), identity, peer.address, timeouts or Timeouts())

    def contract(self, channel: str, chaincode: str) -> Contract:
        return Contract(self, channel, chaincode)

    async def close(self) -> None:
        await self.channel.close(grace=None)

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()
