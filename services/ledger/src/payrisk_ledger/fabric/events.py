"""Chaincode events from a Gateway, as an async iterator over committed (valid) transactions' events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc

from .errors import FabricError, from_rpc_error
from .protos import ab_pb2, gateway_pb2

if TYPE_CHECKING:
    from .gateway import Gateway


@dataclass(frozen=True, slots=True)
class ChaincodeEvent:
    block_number: int
    tx_id: str
    chaincode: str
    name: str
    payload: bytes


class EventStreamError(FabricError):
    """The event stream failed (not when the caller stopped reading)."""


def start_position(start_block: int | None) -> Any:
    """An orderer.SeekPosition: the given block, or the next one committed."""
    if start_block is None:
        return ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit())
    return ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block))


async def stream_chaincode_events(
    gateway: Gateway, channel: str, chaincode: str, start_block: int | None, after_tx_id: str
) -> AsyncIterator[ChaincodeEvent]:
    identity = gateway.identity
    request = gateway_pb2.ChaincodeEventsRequest(
        channel_id=channel,
        chaincode_id=chaincode,
        identity=identity.creator(),
        start_position=start_position(start_block),
        after_transaction_id=after_tx_id,
    ).SerializeToString()
    signed = gateway_pb2.SignedChaincodeEventsRequest(request=request, signature=identity.sign(request))
    call = gateway.stub.ChaincodeEvents(signed)
    try:
        async for response in call:
            for event in response.events:
                yield ChaincodeEvent(
                    block_number=int(response.block_number),
                    tx_id=event.tx_id,
                    chaincode=event.chaincode_id,
                    name=event.event_name,
                    payload=bytes(event.payload),
                )
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.CANCELLED:
            raise from_rpc_error(EventStreamError, error) from None
    finally:
        # Closing the iterator (or leaving an `async for` early) ends the stream on the peer too.
        call.cancel()
