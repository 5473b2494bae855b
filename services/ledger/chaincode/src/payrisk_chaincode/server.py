"""The chaincode service process: a gRPC server the peers connect to, plus a /healthz endpoint."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import grpc
from fabric_chaincode_python.fabric_contract_api import ContractChaincode

from .contract import PayriskContract
from .protos import chaincode_shim_pb2_grpc
from .shim import ChaincodeService

LOG = logging.getLogger("payrisk_chaincode")


@dataclass(frozen=True, slots=True)
class Settings:
    package_id: str  # CHAINCODE_ID: the package id the peers installed; the peers check it on connect
    address: str  # CHAINCODE_SERVER_ADDRESS
    health_address: str = ""  # PAYRISK_CHAINCODE_HEALTH_ADDRESS, host:port of GET /healthz
    tls_key: str = ""  # CORE_TLS_CLIENT_KEY_PATH / CORE_TLS_CLIENT_CERT_PATH, as Fabric's shims name them
    tls_cert: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        missing = [name for name in ("CHAINCODE_ID", "CHAINCODE_SERVER_ADDRESS") if not os.environ.get(name)]
        if missing:
            raise SystemExit(f"payrisk chaincode: set {', '.join(missing)}")
        return cls(
            package_id=os.environ["CHAINCODE_ID"],
            address=os.environ["CHAINCODE_SERVER_ADDRESS"],
            health_address=os.environ.get("PAYRISK_CHAINCODE_HEALTH_ADDRESS", ""),
            tls_key=os.environ.get("CORE_TLS_CLIENT_KEY_PATH", ""),
            tls_cert=os.environ.get("CORE_TLS_CLIENT_CERT_PATH", ""),
        )


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host or "0.0.0.0", int(port)  # noqa: S104  # only when the address names no host


async def answer_health(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = await asyncio.wait_for(reader.readline(), 5)
        while await asyncio.wait_for(reader.readline(), 5) not in (b"\r\n", b"\n", b""):
            pass  # headers
        found = request.split()[1:2] == [b"/healthz"]
        body = b'{"status":"OK"}' if found else b'{"status":"not found"}'
        status = b"200 OK" if found else b"404 Not Found"
        writer.write(
            b"HTTP/1.0 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (status, len(body), body)
        )
        await writer.drain()
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


def add_port(server: grpc.aio.Server, settings: Settings) -> None:
    if settings.tls_key and settings.tls_cert:
        credentials = grpc.ssl_server_credentials(
            [(Path(settings.tls_key).read_bytes(), Path(settings.tls_cert).read_bytes())]
        )
        server.add_secure_port(settings.address, credentials)
    else:
        # The peers reach the service on loopback (connection.json says tls_required: false).
        server.add_insecure_port(settings.address)


async def serve(settings: Settings) -> None:
    server = grpc.aio.server()
    chaincode = ContractChaincode.new_chaincode(PayriskContract())
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(
        ChaincodeService(settings.package_id, chaincode), server
    )
    add_port(server, settings)
    await server.start()
    health = None
    if settings.health_address:
        health = await asyncio.start_server(answer_health, *split_address(settings.health_address))
    LOG.info("serving %s on %s", settings.package_id, settings.address)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    LOG.info("stopping")
    if health is not None:
        health.close()
    await server.stop(grace=3)
