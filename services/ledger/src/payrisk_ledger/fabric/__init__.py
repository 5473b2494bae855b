"""A Fabric Gateway client on the official protobuf bindings: evaluate, submit, chaincode events.

network = NetworkConfig.load(".payrisk/fabric/network.json")
async with connect(network, "Org1MSP") as gateway:
    contract = gateway.contract(network.channel, network.chaincode)
    result = await contract.submit("CreateFreeze", freeze_json)
"""

from .config import NetworkConfig, OrdererConfig, OrganizationConfig, PeerConfig, UserConfig
from .connect import connect
from .contract import Contract, PreparedTransaction, SubmitResult
from .errors import (
    CommitError,
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    EvaluateError,
    FabricError,
    SubmitError,
)
from .events import ChaincodeEvent, EventStreamError
from .gateway import Gateway, Timeouts
from .identity import SigningIdentity
from .ledger_queries import ChainInfo, TransactionRecord, chain_info, transaction_record

__all__ = [
    "ChainInfo",
    "ChaincodeEvent",
    "CommitError",
    "CommitStatusError",
    "Contract",
    "EndorseError",
    "ErrorDetail",
    "EvaluateError",
    "EventStreamError",
    "FabricError",
    "Gateway",
    "NetworkConfig",
    "OrdererConfig",
    "OrganizationConfig",
    "PeerConfig",
    "PreparedTransaction",
    "SigningIdentity",
    "SubmitError",
    "SubmitResult",
    "Timeouts",
    "TransactionRecord",
    "UserConfig",
    "chain_info",
    "connect",
    "transaction_record",
]
