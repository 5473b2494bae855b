"""The ledger signs for Fabric with its organisation's client identity; that identity (its key, its
certificate, where they are kept) never reaches a caller, an error message or a log line. GetLedgerInfo may
name the MSP ids and peers, nothing more.

Most of these need no Fabric network: their peers are addresses nobody listens on, which is what a caller
sees most often when something goes wrong. The last runs the ledger service on the real network, through
every RPC and its refusals.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.fabric import EvaluateError, NetworkConfig, SigningIdentity, connect
from payrisk_ledger.settings import LedgerSettings
from payrisk_runtime import open_channel, redact
from payrisk_runtime.certs import CertificateAuthority
from payrisk_runtime.local import free_port, start_fabric


@pytest.fixture
def network(tmp_path: Path) -> NetworkConfig:
    """A two-organisation network description whose client identities are real P-256 keys and certificates."""
    ca = CertificateAuthority.open(tmp_path / "fabric-ca")
    organizations, peers = [], []
    for org in ("Org1MSP", "Org2MSP"):
        client, admin = ca.issue(f"client:{org}"), ca.issue(f"admin:{org}")
        peers.append(
            {"name": f"peer0.{org}", "msp_id": org, "address": f"127.0.0.1:{free_port()}",
             "tls_root_cert": str(ca.ca_file), "server_name": "localhost"}
        )  # fmt: skip
        organizations.append(
            {"msp_id": org, "peers": [f"peer0.{org}"],
             "client": {"name": "User1", "cert": str(client.cert), "key": str(client.key)},
             "admin": {"name": "Admin", "cert": str(admin.cert), "key": str(admin.key)}}
        )  # fmt: skip
    return NetworkConfig.from_dict(
        {
            "channel": "payrisk",
            "chaincode": "payrisk",
            "orderer": {
                "address": "127.0.0.1:1",
                "tls_root_cert": str(ca.ca_file),
                "server_name": "localhost",
            },
            "peers": peers,
            "organizations": organizations,
        }
    )


def secrets_of(network: NetworkConfig) -> list[str]:
    """Everything about the client and admin identities that must not leak: paths, file names, PEM bodies."""
    found = []
    for org in network.organizations:
        for user in (org.client, org.admin):
            for path in (user.cert, user.key):
                found += [str(path), path.name]
                pem = path.read_text()
                found += [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return found


def assert_free_of(text: str, secrets: list[str]) -> None:
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret fragments in: {text[:300]}"
    assert "-----BEGIN" not in text


def test_the_identitys_descriptions_carry_no_key_certificate_or_path(network):
    secrets = secrets_of(network)
    org = network.organization("Org1MSP")
    identity = org.identity()
    for described in (network, org, org.client, identity):
        assert_free_of(repr(described), secrets)
        assert_free_of(str(described), secrets)
    assert "Org1MSP" in repr(identity)


async def test_a_failed_call_says_what_failed_and_nothing_about_the_identity(network, caplog):
    secrets = secrets_of(network)
    caplog.set_level(logging.DEBUG)
    async with connect(network, "Org1MSP") as gateway:
        assert_free_of(repr(gateway), secrets)
        with pytest.raises(EvaluateError) as failed:
            await gateway.contract(network.channel, network.chaincode).evaluate("GetFreeze", "F-1")
    assert_free_of(str(failed.value), secrets)
    assert_free_of(repr(failed.value), secrets)
    assert_free_of("\n".join(r.getMessage() for r in caplog.records), secrets)


async def test_the_fabric_ledgers_errors_and_info_name_no_identity(network, caplog):
    backend = pytest.importorskip("payrisk_ledger.fabric.backend")
    secrets = secrets_of(network)
    caplog.set_level(logging.DEBUG)
    ledger = backend.FabricLedger(network)
    try:
        for call in (
            ledger.get_freeze("F-1"),
            ledger.list_freezes("m-1"),
            ledger.history("F-1"),
            ledger.info(),
        ):
            with pytest.raises(Exception) as failed:  # noqa: PT011 - whatever it is, it must not leak
                await call
            # This is what the caller of the ledger service would read (a public error) or the log would hold.
            assert_free_of(str(failed.value), secrets)
    finally:
        await ledger.close()
    assert_free_of("\n".join(r.getMessage() for r in caplog.records), secrets)


def test_an_unreadable_or_wrong_identity_is_reported_by_organisation_not_by_file(network, tmp_path):
    org = network.organization("Org1MSP")
    missing = tmp_path / "nowhere" / "user1-key.pem"
    not_p256 = tmp_path / "rsa-like-key.pem"
    not_p256.write_text("-----BEGIN PRIVATE KEY-----\nnot a key at all\n-----END PRIVATE KEY-----\n")
    for key in (missing, not_p256):
        with pytest.raises(ValueError, match="Org1MSP") as failed:
            SigningIdentity.from_files("Org1MSP", org.client.cert, key)
        assert str(key) not in str(failed.value)
        assert key.name not in str(failed.value)


def test_a_key_or_certificate_that_reaches_a_log_line_anyway_is_redacted(network):
    org = network.organization("Org1MSP")
    key_pem, cert_pem = org.client.key.read_text(), org.client.cert.read_text()
    line = redact(f"gateway identity {cert_pem} signing with {key_pem} and {key_pem.encode()!r}")
    assert "[REDACTED PRIVATE KEY]" in line
    assert "[REDACTED CERTIFICATE]" in line
    assert_free_of(line, [s for s in secrets_of(network) if "/" not in s and not s.endswith(".pem")])


# --- the ledger service on the real Fabric network --------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fabric_network_file() -> Path:
    try:
        network = start_fabric(REPO_ROOT)  # a no-op when the network runs already
    except RuntimeError as error:
        pytest.fail(str(error))
    if network.network_file is None:
        pytest.skip(f"no Fabric binaries: {network.reason}")
    return network.network_file


@pytest.mark.fabric
@pytest.mark.timeout(900)
async def test_the_ledger_on_fabric_tells_its_callers_nothing_of_its_identity(
    fabric_network_file, certificate, tmp_path, caplog
):
    network = NetworkConfig.load(fabric_network_file)
    secrets = secrets_of(network)
    caplog.set_level(logging.DEBUG)
    tls = certificate("service:ledger")
    app = await start_ledger(
        LedgerSettings(
            backend="fabric", fabric_network_file=fabric_network_file, port=0, data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'ledger.db'}", outbox_retry_seconds=0.5,
            tls_cert_file=tls.cert, tls_key_file=tls.key, tls_ca_file=tls.ca,
        )
    )  # fmt: skip
    said: list[str] = []
    run = uuid.uuid4().hex[:10]
    try:
        async with (
            open_channel(app.address, certificate("operator:alice")) as operator_channel,
            open_channel(app.address, certificate("terminal:d-1")) as terminal_channel,
        ):
            operator = ledger_pb2_grpc.LedgerServiceStub(operator_channel)
            freeze = ledger_pb2.FreezeFundsRequest(
                freeze_id=f"fz-{run}", merchant_id=f"m-{run}", instruction_id=f"si-{run}",
                amount=common_pb2.Money(currency_code="CNY", minor_units=1000), transaction_ids=[f"t-{run}"],
                reason="security suite",
            )  # fmt: skip
            conflicting = ledger_pb2.FreezeFundsRequest()
            conflicting.CopyFrom(freeze)
            conflicting.amount.minor_units = 2000
            calls = [
                lambda: operator.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest()),
                lambda: operator.FreezeFunds(freeze),
                lambda: operator.FreezeFunds(conflicting),  # refused by the chaincode: ALREADY_EXISTS
                lambda: operator.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=f"fz-{run}")),
                lambda: operator.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=f"none-{run}")),  # NOT_FOUND
                lambda: operator.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=f"fz-{run}")),
                lambda: operator.ReleaseFunds(
                    ledger_pb2.ReleaseFundsRequest(freeze_id=f"fz-{run}", reason="done")
                ),
                lambda: operator.ReleaseFunds(
                    ledger_pb2.ReleaseFundsRequest(freeze_id=f"fz-{run}", reason="again")
                ),
                lambda: operator.ReleaseFunds(
                    ledger_pb2.ReleaseFundsRequest(freeze_id=f"none-{run}", reason="x")
                ),
                lambda: operator.AnchorRecords(
                    ledger_pb2.AnchorRecordsRequest(
                        batch_id=f"b-{run}",
                        kind=ledger_pb2.RECORD_KIND_DECISION,
                        records=[ledger_pb2.Record(record_id="r-1", content=b"decision")],
                    )
                ),
                lambda: ledger_pb2_grpc.LedgerServiceStub(terminal_channel).GetLedgerInfo(
                    ledger_pb2.GetLedgerInfoRequest()
                ),
            ]
            codes = []
            for call in calls:  # one after the other: each sees what the one before did
                try:
                    said.append(str(await call()))
                    codes.append(grpc.StatusCode.OK)
                except grpc.aio.AioRpcError as error:
                    said.append(f"{error.details()} {error.trailing_metadata()}")
                    codes.append(error.code())
            info = await operator.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    finally:
        await app.stop()
    assert codes[1] == grpc.StatusCode.OK
    assert grpc.StatusCode.ALREADY_EXISTS in codes
    assert grpc.StatusCode.NOT_FOUND in codes
    assert codes[-1] == grpc.StatusCode.PERMISSION_DENIED
    # What GetLedgerInfo may say: the backend, the channel, the peers and their MSP ids.
    assert info.backend == "fabric"
    assert {msp for msp in network.msp_ids if any(msp in p for p in info.peers)} == set(network.msp_ids)
    for text in (*said, *(r.getMessage() for r in caplog.records)):
        assert_free_of(text, secrets)
