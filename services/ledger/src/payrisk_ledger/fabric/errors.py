"""What can go wrong talking to a Fabric Gateway, with the peers' own explanations attached.

The Gateway reports a failure as a gRPC status whose details hold one gateway.ErrorDetail per peer or orderer
that failed (address, MSP id, message). Every error here keeps those details, the gRPC code and, once known,
the transaction id. The payrisk chaincode starts its refusals with a bracketed code (`[ALREADY_EXISTS] ...`),
available as `chaincode_code`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import grpc
from google.rpc import status_pb2

from .protos import gateway_pb2, transaction_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"
CHAINCODE_RESPONSE = re.compile(r"chaincode response \d+, (.*)", re.DOTALL)
CHAINCODE_CODE = re.compile(r"^\[([A-Z_]+)\] ")


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    address: str
    msp_id: str
    message: str


class FabricError(Exception):
    """Base of every Gateway client error."""

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        details: tuple[ErrorDetail, ...] = (),
        transaction_id: str = "",
    ) -> None:
        self.message = message
        self.code = code
        self.details = details
        self.transaction_id = transaction_id
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = [self.message]
        if self.transaction_id:
            lines[0] += f" (transaction {self.transaction_id})"
        lines += [f"  - {d.address} ({d.msp_id}): {d.message}" for d in self.details]
        return "\n".join(lines)

    @property
    def chaincode_message(self) -> str:
        """What the chaincode said when it refused the request ('' when the failure is elsewhere)."""
        for text in (*(d.message for d in self.details), self.message):
            found = CHAINCODE_RESPONSE.search(text)
            if found:
                return found.group(1)
        return ""

    @property
    def chaincode_code(self) -> str:
        """The bracketed code of a payrisk chaincode refusal, e.g. 'ALREADY_EXISTS' ('' when none)."""
        found = CHAINCODE_CODE.match(self.chaincode_message)
        return found.group(1) if found else ""


class EvaluateError(FabricError):
    """A query (Evaluate) failed."""


class EndorseError(FabricError):
    """The transaction was not endorsed: the chaincode refused it, or the policy's peers were unreachable."""


class SubmitError(FabricError):
    """The endorsed transaction was not accepted by the ordering service."""


class CommitStatusError(FabricError):
    """The transaction was submitted but its commit status could not be read; it may still commit."""


class CommitError(FabricError):
    """The transaction was ordered into a block but the peers marked it invalid."""

    def __init__(self, transaction_id: str, validation_code: int, block_number: int) -> None:
        self.validation_code = validation_code
        self.validation_name = transaction_pb2.TxValidationCode.Name(validation_code)
        self.block_number = block_number
        super().__init__(
            f"transaction failed to commit in block {block_number}: "
            f"{self.validation_name} ({validation_code})",
            transaction_id=transaction_id,
        )


def error_details(error: grpc.aio.AioRpcError) -> tuple[ErrorDetail, ...]:
    """The gateway.ErrorDetail entries of a failed call's status."""
    # grpc.aio.Metadata: (key, value) pairs; binary ("-bin") values are bytes.
    metadata: Any = error.trailing_metadata() or ()
    for key, value in metadata:
        if key != STATUS_DETAILS_KEY or not isinstance(value, bytes):
            continue
        details = []
        for packed in status_pb2.Status.FromString(value).details:
            detail = gateway_pb2.ErrorDetail()
            if packed.Unpack(detail):
                details.append(ErrorDetail(detail.address, detail.msp_id, detail.message))
        return tuple(details)
    return ()


def from_rpc_error(
    kind: type[FabricError], error: grpc.aio.AioRpcError, transaction_id: str = ""
) -> FabricError:
    return kind(
        error.details() or str(error.code()),
        code=error.code(),
        details=error_details(error),
        transaction_id=transaction_id,
    )
