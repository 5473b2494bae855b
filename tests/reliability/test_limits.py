"""Oversized messages and many concurrent streams are bounded: refused or served, memory stays flat."""

from __future__ import annotations

import threading

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_runtime.local import ServiceSpec
from test_crashes import batches

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture
def ingest(stack):
    service = stack.start(
        ServiceSpec("ingest", "payrisk_ingest", 0), {"PAYRISK_INGEST_MAX_MESSAGE_BYTES": "1048576"}
    )
    stack.wait_serving(service)
    return service


def test_a_message_over_the_limit_is_refused_and_the_server_keeps_serving(ingest):
    huge = ingest_pb2.RegisterMerchantsRequest()
    huge.merchants.add(merchant_id="m-1", name="x" * 2_000_000)
    with grpc.insecure_channel(
        ingest.address, options=[("grpc.max_send_message_length", 8 * 1024 * 1024)]
    ) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.RegisterMerchants(huge, timeout=10)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert stub.ListTransactions(ingest_pb2.ListTransactionsRequest(), timeout=10) is not None


def test_a_thousand_concurrent_streams_are_served_and_memory_returns_to_flat(ingest):
    work = batches(1000, 1)  # one transaction per stream
    before = ingest.rss_mib()
    errors: list[Exception] = []
    with grpc.insecure_channel(ingest.address) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        gate = threading.Barrier(50)

        def client(part: list[ingest_pb2.IngestTransactionsRequest]) -> None:
            try:
                gate.wait(timeout=30)
                calls = [stub.IngestTransactions(iter([request]), timeout=60) for request in part]
                for call in calls:
                    assert [r.accepted for r in call] == [1]
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=client, args=(work[i::50],)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    peak, after = ingest.peak_rss_mib(), ingest.rss_mib()
    print(
        f"\nRSS before {before:.0f} MiB, peak {peak:.0f} MiB, after {after:.0f} MiB with 1,000 concurrent streams"
    )
    assert after < before + 100
