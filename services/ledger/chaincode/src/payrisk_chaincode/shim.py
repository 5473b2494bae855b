"""The connection between a peer and the contract, on top of fabric_chaincode_python's shim.

Three things the shim (2.5.4) does not do, done here:
- it drops the event a transaction sets; we put it on the COMPLETED message, where the peer reads it;
- it writes to the peer's stream from many tasks at once, which stalls a grpc.aio stream; we serialise writes;
- it hands a peer's ERROR reply to a state call back as if it were data; we raise instead, so the
  transaction fails with the peer's message rather than reading an error text as a stored value.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable
from typing import Any

import grpc
from fabric_chaincode_python.fabric_shim.handler import Handler
from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub

from .protos import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc, proposal_response_pb2

LOG = logging.getLogger("payrisk_chaincode")
ERROR_THRESHOLD = 400
ChaincodeMessage = chaincode_shim_pb2.ChaincodeMessage


class PeerRequestFailed(Exception):
    """The peer refused a state request (get, put, range, history) of the running transaction."""


class SerialWriter:
    """The peer stream, written by one task at a time."""

    def __init__(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        self._context = context
        self._lock = asyncio.Lock()

    async def write(self, message: Any) -> None:
        async with self._lock:
            await self._context.write(message)


def error_response(message: str) -> Any:
    return proposal_response_pb2.Response(status=500, message=message)


class PayriskHandler(Handler):
    # Overrides the base class's private (name-mangled) method through which every state request goes.
    async def _Handler__ask_peer_and_listen(self, msg: Any, action: str) -> Any:
        response = await super()._Handler__ask_peer_and_listen(msg, action)
        if response.type == ChaincodeMessage.ERROR:
            raise PeerRequestFailed(f"{action} failed: {bytes(response.payload).decode(errors='replace')}")
        return response

    async def _run(self, msg: Any, action: str) -> tuple[Any, list[Any]]:
        chaincode_input = chaincode_pb2.ChaincodeInput.FromString(msg.payload)
        stub = ChaincodeStub(self, msg.channel_id, msg.txid, chaincode_input, msg.proposal)
        if action.lower() == "init":
            response = await self.chaincode.init(stub)
        else:
            response = await self.chaincode.invoke(stub)
        if not response or not response.status:
            response = error_response("the chaincode returned no response")
        return response, stub.get_events()

    async def handle_stub_interaction(self, msg: Any, action: str = "Invoke") -> None:
        try:
            response, events = await self._run(msg, action)
        except Exception as exc:
            # Answer anyway: without a COMPLETED message the peer waits for its execute timeout.
            LOG.exception("transaction %s failed", msg.txid)
            response, events = error_response(f"chaincode failure: {exc}"), []
        completed = ChaincodeMessage(
            type=ChaincodeMessage.COMPLETED,
            payload=response.SerializeToString(),
            txid=msg.txid,
            channel_id=msg.channel_id,
        )
        # Fabric keeps one event per transaction, and only a successful one's.
        if events and response.status < ERROR_THRESHOLD:
            completed.chaincode_event.CopyFrom(events[-1])
        await self.context.write(completed)


class ChaincodeService(chaincode_shim_pb2_grpc.ChaincodeServicer):
    """Chaincode as a service: each peer opens one Connect stream and sends every transaction over it."""

    def __init__(self, package_id: str, chaincode: Any) -> None:
        self._package_id = package_id
        self._chaincode = chaincode

    async def Connect(
        self, request_iterator: AsyncIterable[Any], context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        handler = PayriskHandler(self._package_id, self._chaincode)
        LOG.info("a peer connected to %s", self._package_id)
        await handler.chat_with_peer(request_iterator, SerialWriter(context))
        LOG.info("a peer disconnected")
