"""Transaction proposals as the Gateway expects them, and the result read back from an endorsed transaction."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import timestamp_pb2

from .identity import SigningIdentity, sha256
from .protos import chaincode_pb2, common_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2

NONCE_BYTES = 24

Arg = str | bytes


@dataclass(frozen=True, slots=True)
class TransactionContext:
    """A fresh nonce and the creator; the transaction id is derived from both, and the peers check it."""

    nonce: bytes
    creator: bytes

    @classmethod
    def new(cls, identity: SigningIdentity) -> TransactionContext:
        return cls(secrets.token_bytes(NONCE_BYTES), identity.creator())

    @property
    def transaction_id(self) -> str:
        return sha256(self.nonce + self.creator).hex()


def as_bytes(arg: Arg) -> bytes:
    return arg.encode() if isinstance(arg, str) else bytes(arg)


def proposal_bytes(
    context: TransactionContext,
    channel: str,
    chaincode: str,
    function: str,
    args: Sequence[Arg],
    transient: Mapping[str, bytes] | None = None,
) -> bytes:
    """A serialized peer.Proposal invoking chaincode `function(args...)` on `channel`."""
    chaincode_id = chaincode_pb2.ChaincodeID(name=chaincode)
    timestamp = timestamp_pb2.Timestamp()
    timestamp.GetCurrentTime()
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION,
        timestamp=timestamp,
        channel_id=channel,
        tx_id=context.transaction_id,
        epoch=0,
        extension=proposal_pb2.ChaincodeHeaderExtension(chaincode_id=chaincode_id).SerializeToString(),
    )
    signature_header = common_pb2.SignatureHeader(creator=context.creator, nonce=context.nonce)
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    invocation = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            chaincode_id=chaincode_id,
            input=chaincode_pb2.ChaincodeInput(args=[function.encode(), *map(as_bytes, args)]),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=invocation.SerializeToString(), TransientMap=dict(transient or {})
    )
    proposal = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    return bytes(proposal.SerializeToString())


def chaincode_action_payload(envelope: Any) -> Any:
    """Envelope -> Payload -> Transaction -> first action's ChaincodeActionPayload."""
    payload = common_pb2.Payload.FromString(envelope.payload)
    transaction = transaction_pb2.Transaction.FromString(payload.data)
    return transaction_pb2.ChaincodeActionPayload.FromString(transaction.actions[0].payload)


def transaction_result(envelope: Any) -> bytes:
    """The chaincode's response payload carried by an endorsed transaction envelope."""
    action = chaincode_action_payload(envelope).action
    response_payload = proposal_response_pb2.ProposalResponsePayload.FromString(
        action.proposal_response_payload
    )
    chaincode_action = proposal_pb2.ChaincodeAction.FromString(response_payload.extension)
    return bytes(chaincode_action.response.payload)
