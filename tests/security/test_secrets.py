"""Secrets come from files (TLS and signing keys) and the environment (database URLs with their passwords),
and none of them is ever written to a log: not by the service at work, not when it fails to start, not when
an error happens to quote one."""

from __future__ import annotations

import json
import logging
import time
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_runtime import configure_logging, redact
from payrisk_runtime.local import LocalStack, ServiceSpec, free_port
from risk_factories import transaction
from sqlalchemy.engine import make_url

INGEST = ServiceSpec("ingest", "payrisk_ingest", 0)


def test_passwords_in_database_urls_and_connection_strings_are_redacted():
    assert (
        redact("cannot reach postgresql+psycopg://payrisk:s3cr%40t@db:5432/ingest, retrying")
        == "cannot reach postgresql+psycopg://payrisk:[REDACTED]@db:5432/ingest, retrying"
    )
    assert redact("host=db user=payrisk password=hunter2 dbname=ingest") == (
        "host=db user=payrisk password=[REDACTED] dbname=ingest"
    )
    assert redact('{"password": "two words"}') == '{"password": [REDACTED]}'
    # What is not a secret stays readable: addresses, users without passwords, ids.
    for plain in ("serving on 127.0.0.1:50051", "postgresql://postgres@db/ingest", "merchant m-1:shop"):
        assert redact(plain) == plain


def test_private_keys_whole_or_cut_off_are_redacted():
    key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB8s\nAoGCCqGSM49\n-----END EC PRIVATE KEY-----"
    assert redact(f"loaded {key} from disk") == "loaded [REDACTED PRIVATE KEY] from disk"
    assert redact("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEG") == "[REDACTED PRIVATE KEY]"
    assert redact(repr(key.encode())) == "b'[REDACTED PRIVATE KEY]'"


def test_a_log_line_or_error_that_quotes_a_secret_is_written_redacted(capsys):
    configure_logging("test-service", "INFO", "json")
    url = "postgresql+psycopg://payrisk:Sekr1t-Marker@db:5432/ingest"
    log = logging.getLogger("payrisk.test")
    log.warning("database %s unreachable", url)
    try:
        raise RuntimeError(f"could not open {url}")
    except RuntimeError:
        log.exception("start failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert "Sekr1t-Marker" not in json.dumps(lines)
    assert (
        lines[0]["message"] == "database postgresql+psycopg://payrisk:[REDACTED]@db:5432/ingest unreachable"
    )
    assert "payrisk:[REDACTED]@db" in lines[1]["error"]


def serving_over_tls(address: str, tls, timeout: float = 60.0) -> None:
    credentials = grpc.ssl_channel_credentials(
        tls.ca.read_bytes(), tls.key.read_bytes(), tls.cert.read_bytes()
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with grpc.secure_channel(address, credentials) as channel:
            try:
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
                return
            except grpc.RpcError:
                time.sleep(0.2)
    raise TimeoutError(f"{address} did not become healthy")


def secrets_in(log_text: str, password: str, key_pem: str) -> list[str]:
    body = [line for line in key_pem.splitlines() if line and not line.startswith("-----")]
    return [s for s in (password, *body) if s in log_text]


@pytest.mark.postgres
@pytest.mark.slow
def test_a_running_service_logs_neither_its_database_password_nor_its_key(
    tmp_path, postgres_url, certificate
):
    """Ingest as a process, its database URL (with a password) from the environment and its TLS key from a file:
    it starts, serves good and bad calls, and stops, and its whole log holds neither."""
    password = f"pw-{uuid.uuid4().hex}"
    # The test server trusts local connections, so any password gets in: it only has to be there to leak.
    url = make_url(postgres_url).set(password=password).render_as_string(hide_password=False)
    tls = certificate("service:ingest")
    stack = LocalStack(tmp_path / "state")
    port = free_port()
    service = stack.start(
        ServiceSpec("ingest", "payrisk_ingest", port),
        {
            "PAYRISK_INGEST_DATABASE_URL": url,
            "PAYRISK_INGEST_TLS_CERT_FILE": str(tls.cert),
            "PAYRISK_INGEST_TLS_KEY_FILE": str(tls.key),
            "PAYRISK_INGEST_TLS_CA_FILE": str(tls.ca),
            # Scoring on, towards a risk service that is not there: warnings every batch.
            "PAYRISK_INGEST_RISK_ADDRESS": f"127.0.0.1:{free_port()}",
            "PAYRISK_INGEST_LOG_LEVEL": "DEBUG",
        },
    )
    try:
        address = f"127.0.0.1:{port}"
        serving_over_tls(address, tls)
        operator = certificate("operator:alice")
        credentials = grpc.ssl_channel_credentials(
            operator.ca.read_bytes(), operator.key.read_bytes(), operator.cert.read_bytes()
        )
        with grpc.secure_channel(address, credentials) as channel:
            stub = ingest_pb2_grpc.IngestServiceStub(channel)
            with pytest.raises(grpc.RpcError):
                stub.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="no such"))
            with pytest.raises(grpc.RpcError):
                stub.ListTransactions(ingest_pb2.ListTransactionsRequest(page_token="forged"))
            batch = ingest_pb2.IngestTransactionsRequest(batch_id="b-1", transactions=[transaction(1)])
            [response] = list(stub.IngestTransactions(iter([batch])))
            assert response.accepted == 1
    finally:
        service.stop()
    log = service.log_file.read_text()
    assert "risk unavailable" in log  # the service did log while it worked
    assert not secrets_in(log, password, tls.key.read_text())


@pytest.mark.postgres
def test_a_service_that_cannot_reach_its_database_says_so_without_the_password(tmp_path, postgres_admin_url):
    password = f"pw-{uuid.uuid4().hex}"
    url = make_url(postgres_admin_url).set(password=password, database=f"missing_{uuid.uuid4().hex[:8]}")
    stack = LocalStack(tmp_path / "state")
    service = stack.start(INGEST, {"PAYRISK_INGEST_DATABASE_URL": url.render_as_string(hide_password=False)})
    assert service.process.wait(60) != 0
    log = service.log_file.read_text()
    [*_, last] = [json.loads(line) for line in log.strip().splitlines()]
    # One JSON line, like every other, saying why; and the password nowhere.
    assert last["level"] == "critical"
    assert "does not exist" in last["error"]
    assert password not in log
