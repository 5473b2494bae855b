"""Questions about the ledger itself, answered by the peers' query system chaincode (qscc)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .gateway import Gateway
from .proposal import chaincode_action_payload
from .protos import common_pb2, identities_pb2, ledger_pb2, transaction_pb2

QSCC = "qscc"


@dataclass(frozen=True, slots=True)
class ChainInfo:
    height: int  # number of blocks; the newest block is height - 1
    current_block_hash: bytes
    previous_block_hash: bytes


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    tx_id: str
    block_number: int
    validation_code: int
    validation_name: str
    endorser_msp_ids: tuple[str, ...]  # who signed the endorsements the transaction carries


async def chain_info(gateway: Gateway, channel: str) -> ChainInfo:
    payload = await gateway.contract(channel, QSCC).evaluate("GetChainInfo", channel)
    info = ledger_pb2.BlockchainInfo.FromString(payload)
    return ChainInfo(int(info.height), bytes(info.currentBlockHash), bytes(info.previousBlockHash))


def endorser_msp_ids(envelope: Any) -> tuple[str, ...]:
    """The MSP ids of the endorsers of a transaction envelope (common.Envelope)."""
    endorsements = chaincode_action_payload(envelope).action.endorsements
    return tuple(identities_pb2.SerializedIdentity.FromString(e.endorser).mspid for e in endorsements)


async def transaction_record(gateway: Gateway, channel: str, tx_id: str) -> TransactionRecord:
    """A committed transaction: its block, its validation code and its endorsers."""
    qscc = gateway.contract(channel, QSCC)
    block = common_pb2.Block.FromString(await qscc.evaluate("GetBlockByTxID", channel, tx_id))
    processed = transaction_pb2.ProcessedTransaction.FromString(
        await qscc.evaluate("GetTransactionByID", channel, tx_id)
    )
    return TransactionRecord(
        tx_id=tx_id,
        block_number=int(block.header.number),
        validation_code=int(processed.validationCode),
        validation_name=transaction_pb2.TxValidationCode.Name(processed.validationCode),
        endorser_msp_ids=endorser_msp_ids(processed.transactionEnvelope),
    )
