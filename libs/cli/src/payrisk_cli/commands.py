"""One function per command: build the request, call the service, return the response."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc

# Minor units per major unit; ISO 4217 exponents that are not 2.
_EXPONENTS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


def money(amount: str, currency: str) -> common_pb2.Money:
    """'1234.50' CNY -> 123450 minor units, exactly (never through a float)."""
    exponent = _EXPONENTS.get(currency.upper(), 2)
    minor = Decimal(amount) * (10**exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return common_pb2.Money(currency_code=currency.upper(), minor_units=int(minor))


def score(channel: grpc.Channel, transaction_json: str) -> risk_pb2.ScoreTransactionsResponse:
    transaction = json_format.Parse(transaction_json, common_pb2.Transaction())
    request = risk_pb2.ScoreTransactionsRequest(transactions=[transaction])
    response: risk_pb2.ScoreTransactionsResponse = risk_pb2_grpc.RiskServiceStub(channel).ScoreTransactions(
        request
    )
    return response


def assess_merchant(channel: grpc.Channel, merchant_id: str) -> risk_pb2.AssessMerchantResponse:
    response: risk_pb2.AssessMerchantResponse = risk_pb2_grpc.RiskServiceStub(channel).AssessMerchant(
        risk_pb2.AssessMerchantRequest(merchant_id=merchant_id)
    )
    return response


def review_settlement(
    channel: grpc.Channel, instruction_id: str, merchant_id: str, amount: str, currency: str
) -> risk_pb2.ReviewSettlementResponse:
    instruction = risk_pb2.SettlementInstruction(
        instruction_id=instruction_id, merchant_id=merchant_id, amount=money(amount, currency)
    )
    instruction.requested_at.FromSeconds(int(time.time()))
    response: risk_pb2.ReviewSettlementResponse = risk_pb2_grpc.RiskServiceStub(channel).ReviewSettlement(
        risk_pb2.ReviewSettlementRequest(instruction=instruction)
    )
    return response


def list_freezes(channel: grpc.Channel, merchant_id: str) -> ledger_pb2.ListFreezesResponse:
    response: ledger_pb2.ListFreezesResponse = ledger_pb2_grpc.LedgerServiceStub(channel).ListFreezes(
        ledger_pb2.ListFreezesRequest(merchant_id=merchant_id)
    )
    return response


def release_freeze(channel: grpc.Channel, freeze_id: str, reason: str) -> ledger_pb2.ReleaseFundsResponse:
    response: ledger_pb2.ReleaseFundsResponse = ledger_pb2_grpc.LedgerServiceStub(channel).ReleaseFunds(
        ledger_pb2.ReleaseFundsRequest(freeze_id=freeze_id, reason=reason)
    )
    return response


def verify_receipt(
    channel: grpc.Channel, receipt_file: Path, content_file: Path
) -> ledger_pb2.VerifyReceiptResponse:
    receipt = json_format.Parse(receipt_file.read_text(), ledger_pb2.Receipt())
    response: ledger_pb2.VerifyReceiptResponse = ledger_pb2_grpc.LedgerServiceStub(channel).VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=content_file.read_bytes())
    )
    return response


def ledger_info(channel: grpc.Channel) -> ledger_pb2.GetLedgerInfoResponse:
    response: ledger_pb2.GetLedgerInfoResponse = ledger_pb2_grpc.LedgerServiceStub(channel).GetLedgerInfo(
        ledger_pb2.GetLedgerInfoRequest()
    )
    return response


def get_transaction(channel: grpc.Channel, transaction_id: str) -> ingest_pb2.GetTransactionResponse:
    response: ingest_pb2.GetTransactionResponse = ingest_pb2_grpc.IngestServiceStub(channel).GetTransaction(
        ingest_pb2.GetTransactionRequest(transaction_id=transaction_id)
    )
    return response


def as_json(message: Message) -> str:
    return json_format.MessageToJson(message, preserving_proto_field_name=True, indent=2)
