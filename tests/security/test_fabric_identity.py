"""The ledger signs for Fabric with its organisation's client identity; that identity (its key, its
certificate, where they are kept) never reaches a caller, an error message or a log line. GetLedgerInfo may
name the MSP ids and peers, nothing more.

The Fabric network is not needed: the peers here are addresses nobody listens on, which is what a caller
sees most often when something goes wrong (every failure path builds its message the same way).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from payrisk_ledger.fabric import EvaluateError, NetworkConfig, SigningIdentity, connect
from payrisk_runtime import redact
from payrisk_runtime.certs import CertificateAuthority
from payrisk_runtime.local import free_port


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
