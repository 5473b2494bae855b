"""PostgreSQL restarted under ingestion: clients see retriable errors, and no acknowledged data is lost."""

from __future__ import annotations

import subprocess
import threading

import pytest
from payrisk_runtime.local import ServiceSpec
from reliability_helpers import stream_until_acknowledged
from test_crashes import batches, stored_ids

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.postgres]


def test_a_postgres_restart_during_ingestion_loses_nothing(stack, postgres_url, repo_root):
    ingest = stack.start(
        ServiceSpec("ingest", "payrisk_ingest", 0), {"PAYRISK_INGEST_DATABASE_URL": postgres_url}
    )
    stack.wait_serving(ingest)
    restarted = threading.Event()
    script = str(repo_root / "scripts" / "postgres.sh")

    def restart_database(acknowledged: int) -> None:
        if acknowledged == 10 and not restarted.is_set():
            restarted.set()
            subprocess.run(["bash", script, "stop"], check=True)
            subprocess.run(["bash", script, "start"], check=True, capture_output=True)

    work = batches(40_000, 1000)
    acknowledged = stream_until_acknowledged(lambda: ingest.address, work, restart_database)
    assert restarted.is_set()
    assert len(acknowledged) == len(work)
    ids = stored_ids(ingest.address)
    assert len(ids) == len(set(ids)) == 40_000
