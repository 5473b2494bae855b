"""The network description `deploy/fabric/network.sh up` writes to .payrisk/fabric/network.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .identity import SigningIdentity

Role = Literal["client", "admin"]


@dataclass(frozen=True, slots=True)
class PeerConfig:
    name: str
    msp_id: str
    address: str
    tls_root_cert: Path
    server_name: str
    operations_address: str = ""


@dataclass(frozen=True, slots=True)
class UserConfig:
    # Where an identity's certificate and key are kept never shows in a repr, a log line or an error.
    name: str
    cert: Path = field(repr=False)
    key: Path = field(repr=False)


@dataclass(frozen=True, slots=True)
class OrganizationConfig:
    msp_id: str
    peers: tuple[str, ...]
    client: UserConfig
    admin: UserConfig

    def identity(self, role: Role = "client") -> SigningIdentity:
        user = self.client if role == "client" else self.admin
        return SigningIdentity.from_files(self.msp_id, user.cert, user.key)


@dataclass(frozen=True, slots=True)
class OrdererConfig:
    address: str
    tls_root_cert: Path
    server_name: str


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    channel: str
    chaincode: str
    orderer: OrdererConfig
    peers: tuple[PeerConfig, ...]
    organizations: tuple[OrganizationConfig, ...]
    # The committed chaincode definition's sequence when the file was written (upgrade-cc rewrites it).
    chaincode_sequence: int = 0

    @classmethod
    def load(cls, path: Path | str) -> NetworkConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkConfig:
        def user(entry: dict[str, str]) -> UserConfig:
            return UserConfig(entry["name"], Path(entry["cert"]), Path(entry["key"]))

        orderer = data["orderer"]
        return cls(
            channel=data["channel"],
            chaincode=data["chaincode"],
            orderer=OrdererConfig(orderer["address"], Path(orderer["tls_root_cert"]), orderer["server_name"]),
            peers=tuple(
                PeerConfig(
                    name=p["name"],
                    msp_id=p["msp_id"],
                    address=p["address"],
                    tls_root_cert=Path(p["tls_root_cert"]),
                    server_name=p["server_name"],
                    operations_address=p.get("operations_address", ""),
                )
                for p in data["peers"]
            ),
            organizations=tuple(
                OrganizationConfig(o["msp_id"], tuple(o["peers"]), user(o["client"]), user(o["admin"]))
                for o in data["organizations"]
            ),
            chaincode_sequence=int(data.get("chaincode_sequence", 0)),
        )

    def organization(self, msp_id: str) -> OrganizationConfig:
        for org in self.organizations:
            if org.msp_id == msp_id:
                return org
        raise KeyError(f"no organisation {msp_id} in the network description")

    def peer(self, name_or_msp_id: str) -> PeerConfig:
        """A peer by name, or the first peer of an organisation by MSP id."""
        for peer in self.peers:
            if name_or_msp_id in (peer.name, peer.msp_id):
                return peer
        raise KeyError(f"no peer {name_or_msp_id} in the network description")

    @property
    def msp_ids(self) -> tuple[str, ...]:
        return tuple(org.msp_id for org in self.organizations)
