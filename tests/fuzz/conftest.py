"""Fuzzing runs against real services, each its own process on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from payrisk_runtime.local import LocalStack, ServiceSpec

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def addresses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    stack = LocalStack(tmp_path_factory.mktemp("fuzz"), {"PAYRISK_INGEST_LOG_LEVEL": "ERROR"})
    try:
        for spec in (ServiceSpec("ingest", "payrisk_ingest", 0), ServiceSpec("ledger", "payrisk_ledger", 0)):
            stack.wait_serving(stack.start(spec))
        yield stack.endpoints()
    finally:
        stack.stop_all()
