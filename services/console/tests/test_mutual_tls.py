"""With the services on mutual TLS, the console calls them with its own certificate (`service:console`, which
may read and label), and with an operator's certificate for what only an operator may do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from console_client import OPERATOR, console_settings, csrf_of, free_port, running_console, sign_in
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings
from payrisk_push.app import start as start_push
from payrisk_push.settings import PushSettings
from payrisk_runtime import TlsFiles, open_channel
from payrisk_runtime.certs import CertificateAuthority
from risk_factories import merchant

MERCHANT = "m-tls"


def tls_of(files: TlsFiles) -> dict[str, Path]:
    return {"tls_cert_file": files.cert, "tls_key_file": files.key, "tls_ca_file": files.ca}


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[tuple[dict[str, str], CertificateAuthority]]:
    """Ledger, ingest and push serving only over mutual TLS; a merchant with one freeze."""
    ca = CertificateAuthority.open(tmp_path / "certs")
    ledger = await start_ledger(
        LedgerSettings(
            backend="embedded", database_url=f"sqlite:///{tmp_path / 'ledger.db'}", port=0,
            data_dir=tmp_path / "ledger", **tls_of(ca.issue("service:ledger")),
        )
    )  # fmt: skip
    ingest = await start_ingest(
        IngestSettings(
            database_url=f"sqlite:///{tmp_path / 'ingest.db'}", port=0, data_dir=tmp_path / "ingest",
            **tls_of(ca.issue("service:ingest")),
        )
    )  # fmt: skip
    push = await start_push(
        PushSettings(
            database_url=f"sqlite:///{tmp_path / 'push.db'}", port=0, data_dir=tmp_path / "push",
            **tls_of(ca.issue("service:push")),
        )
    )  # fmt: skip
    operator = ca.issue("operator:setup")
    async with open_channel(ingest.address, operator) as channel:
        await ingest_pb2_grpc.IngestServiceStub(channel).RegisterMerchants(
            ingest_pb2.RegisterMerchantsRequest(merchants=[merchant(MERCHANT)])
        )
    async with open_channel(ledger.address, operator) as channel:
        await ledger_pb2_grpc.LedgerServiceStub(channel).FreezeFunds(
            ledger_pb2.FreezeFundsRequest(
                freeze_id="freeze-tls", merchant_id=MERCHANT, instruction_id="instr-tls",
                amount=common_pb2.Money(currency_code="CNY", minor_units=10_000), transaction_ids=["tx-tls"],
                reason="suspected merchant",
            )
        )  # fmt: skip
    addresses = {
        "ingest": ingest.address,
        "ledger": ledger.address,
        "push": push.address,
        "risk": f"127.0.0.1:{free_port()}",  # not running: its parts of the pages say so
    }
    yield addresses, ca
    for app in (push, ingest, ledger):
        await app.stop()


async def release_through(url: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        assert (await sign_in(client, OPERATOR)).status_code == 303
        page = await client.get(f"/merchants/{MERCHANT}")
        assert page.status_code == 200
        assert 'data-freeze="freeze-tls"' in page.text
        return await client.post(
            "/freezes/freeze-tls/release", data={"reason": "cleared", "csrf_token": csrf_of(page.text)}
        )


async def freeze_status(addresses: dict[str, str], ca: CertificateAuthority) -> int:
    async with open_channel(addresses["ledger"], ca.issue("operator:check")) as channel:
        got = await ledger_pb2_grpc.LedgerServiceStub(channel).GetFreeze(
            ledger_pb2.GetFreezeRequest(freeze_id="freeze-tls")
        )
    return int(got.freeze.status)


async def test_the_consoles_own_certificate_reads_but_may_not_release(secured, tmp_path):
    addresses, ca = secured
    settings = console_settings(tmp_path, addresses, **tls_of(ca.issue("service:console")))
    async with running_console(settings) as url:
        refused = await release_through(url)
    assert refused.status_code == 403
    assert "The ledger service refused" in refused.text
    assert "PERMISSION_DENIED" in refused.text
    assert await freeze_status(addresses, ca) == ledger_pb2.FREEZE_STATUS_FROZEN


async def test_with_an_operator_certificate_the_operator_releases(secured, tmp_path):
    addresses, ca = secured
    operator = ca.issue("operator:console-operators")
    settings = console_settings(
        tmp_path, addresses, **tls_of(ca.issue("service:console")),
        operator_tls_cert_file=operator.cert, operator_tls_key_file=operator.key,
    )  # fmt: skip
    async with running_console(settings) as url:
        done = await release_through(url)
    assert done.status_code == 303
    assert await freeze_status(addresses, ca) == ledger_pb2.FREEZE_STATUS_RELEASED


async def test_without_a_certificate_the_console_cannot_reach_them_and_says_so(secured, tmp_path):
    addresses, _ = secured
    async with (
        running_console(console_settings(tmp_path, addresses, call_deadline_seconds=2.0)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        assert (await sign_in(client, OPERATOR)).status_code == 303
        page = await client.get(f"/merchants/{MERCHANT}")
    assert page.status_code == 503
    assert "The ingest service is not answering" in page.text
