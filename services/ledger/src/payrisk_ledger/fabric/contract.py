"""One chaincode on one channel, through a Gateway: evaluate, and submit as Endorse -> Submit -> CommitStatus."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc

from .errors import (
    CommitError,
    CommitStatusError,
    EndorseError,
    EvaluateError,
    SubmitError,
    from_rpc_error,
)
from .events import ChaincodeEvent, stream_chaincode_events
from .proposal import Arg, TransactionContext, proposal_bytes, transaction_result
from .protos import common_pb2, gateway_pb2, proposal_pb2, transaction_pb2

if TYPE_CHECKING:
    from .gateway import Gateway


@dataclass(frozen=True, slots=True)
class SubmitResult:
    tx_id: str
    block_number: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class PreparedTransaction:
    """An endorsed, not yet submitted transaction."""

    tx_id: str
    envelope: Any  # common.Envelope, signed by the endorsers, not yet by the client
    result: bytes


class Contract:
    def __init__(self, gateway: Gateway, channel: str, chaincode: str) -> None:
        self.gateway = gateway
        self.channel = channel
        self.chaincode = chaincode

    def _signed_proposal(
        self, function: str, args: Sequence[Arg], transient: Mapping[str, bytes] | None
    ) -> tuple[str, Any]:
        identity = self.gateway.identity
        context = TransactionContext.new(identity)
        proposal = proposal_bytes(context, self.channel, self.chaincode, function, args, transient)
        signed = proposal_pb2.SignedProposal(proposal_bytes=proposal, signature=identity.sign(proposal))
        return context.transaction_id, signed

    async def evaluate(
        self,
        function: str,
        *args: Arg,
        target_organizations: Sequence[str] = (),
    ) -> bytes:
        """Runs a query on one peer (of `target_organizations` when given) and returns its result."""
        tx_id, signed = self._signed_proposal(function, args, None)
        request = gateway_pb2.EvaluateRequest(
            transaction_id=tx_id,
            channel_id=self.channel,
            proposed_transaction=signed,
            target_organizations=list(target_organizations),
        )
        try:
            response = await self.gateway.stub.Evaluate(request, timeout=self.gateway.timeouts.evaluate)
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(EvaluateError, error, tx_id) from None
        return bytes(response.result.payload)

    async def endorse(
        self,
        function: str,
        *args: Arg,
        endorsing_organizations: Sequence[str] = (),
        transient: Mapping[str, bytes] | None = None,
    ) -> PreparedTransaction:
        """Collects endorsements. Without `endorsing_organizations` the Gateway picks peers that satisfy the
        chaincode's endorsement policy; with them, only those organisations' peers are asked."""
        tx_id, signed = self._signed_proposal(function, args, transient)
        request = gateway_pb2.EndorseRequest(
            transaction_id=tx_id,
            channel_id=self.channel,
            proposed_transaction=signed,
            endorsing_organizations=list(endorsing_organizations),
        )
        try:
            response = await self.gateway.stub.Endorse(request, timeout=self.gateway.timeouts.endorse)
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(EndorseError, error, tx_id) from None
        envelope = response.prepared_transaction
        return PreparedTransaction(tx_id, envelope, transaction_result(envelope))

    async def submit_prepared(self, prepared: PreparedTransaction) -> SubmitResult:
        """Signs the endorsed transaction, hands it to the orderers, and waits until it is committed."""
        identity = self.gateway.identity
        envelope = common_pb2.Envelope(
            payload=prepared.envelope.payload, signature=identity.sign(prepared.envelope.payload)
        )
        try:
            await self.gateway.stub.Submit(
                gateway_pb2.SubmitRequest(
                    transaction_id=prepared.tx_id, channel_id=self.channel, prepared_transaction=envelope
                ),
                timeout=self.gateway.timeouts.submit,
            )
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(SubmitError, error, prepared.tx_id) from None
        block_number = await self.commit_status(prepared.tx_id)
        return SubmitResult(prepared.tx_id, block_number, prepared.result)

    async def commit_status(self, tx_id: str) -> int:
        """Waits for the transaction's block; returns its number, or raises CommitError if it was invalid."""
        identity = self.gateway.identity
        request = gateway_pb2.CommitStatusRequest(
            transaction_id=tx_id, channel_id=self.channel, identity=identity.creator()
        ).SerializeToString()
        signed = gateway_pb2.SignedCommitStatusRequest(request=request, signature=identity.sign(request))
        try:
            status = await self.gateway.stub.CommitStatus(signed, timeout=self.gateway.timeouts.commit_status)
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(CommitStatusError, error, tx_id) from None
        if status.result != transaction_pb2.VALID:
            raise CommitError(tx_id, status.result, status.block_number)
        return int(status.block_number)

    async def submit(
        self,
        function: str,
        *args: Arg,
        endorsing_organizations: Sequence[str] = (),
        transient: Mapping[str, bytes] | None = None,
    ) -> SubmitResult:
        prepared = await self.endorse(
            function, *args, endorsing_organizations=endorsing_organizations, transient=transient
        )
        return await self.submit_prepared(prepared)

    def chaincode_events(
        self, *, start_block: int | None = None, after_tx_id: str = ""
    ) -> AsyncIterator[ChaincodeEvent]:
        """This chaincode's events from `start_block` (default: the next block committed), skipping those up to
        and including transaction `after_tx_id` in that block: a checkpoint to resume from."""
        return stream_chaincode_events(self.gateway, self.channel, self.chaincode, start_block, after_tx_id)
