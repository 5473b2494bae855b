"""Fabric's generated protobuf modules, imported once for this package.

hyperledger-fabric-protos marks itself typed (py.typed) but ships no stubs for its generated code, so a type
checker finds none of its message classes. Here they are typed as Any, in one place.
"""

from __future__ import annotations

import importlib
from typing import Any


def _generated(name: str) -> Any:
    return importlib.import_module(f"fabric_protos.{name}")


ab_pb2 = _generated("orderer.ab_pb2")
chaincode_pb2 = _generated("peer.chaincode_pb2")
common_pb2 = _generated("common.common_pb2")
gateway_pb2 = _generated("gateway.gateway_pb2")
gateway_pb2_grpc = _generated("gateway.gateway_pb2_grpc")
identities_pb2 = _generated("msp.identities_pb2")
ledger_pb2 = _generated("common.ledger_pb2")
proposal_pb2 = _generated("peer.proposal_pb2")
proposal_response_pb2 = _generated("peer.proposal_response_pb2")
transaction_pb2 = _generated("peer.transaction_pb2")
