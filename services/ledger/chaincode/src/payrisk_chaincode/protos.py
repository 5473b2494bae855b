"""Fabric's generated protobuf modules used by the shim, imported once.

hyperledger-fabric-protos marks itself typed (py.typed) but ships no stubs for its generated code, so a type
checker finds none of its message classes. Here they are typed as Any, in one place.
"""

from __future__ import annotations

import importlib
from typing import Any


def _generated(name: str) -> Any:
    return importlib.import_module(f"fabric_protos.{name}")


chaincode_pb2 = _generated("peer.chaincode_pb2")
chaincode_shim_pb2 = _generated("peer.chaincode_shim_pb2")
chaincode_shim_pb2_grpc = _generated("peer.chaincode_shim_pb2_grpc")
proposal_response_pb2 = _generated("peer.proposal_response_pb2")
