"""Real AMLSim samples (read once per session), generated payrisk data, and a real ingest and ledger for
the GraphApi tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk_ingest.app import IngestApp
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ingest.synthetic import GeneratorConfig, generate
from payrisk_ledger.app import LedgerApp
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings
from payrisk_risk.scenarios import AmlsimSample, LabelledSample, amlsim_sample, load_sample, records_sample
from payrisk_risk.scenarios.amlsim import default_dataset_dir
from payrisk_risk.scenarios.transfers import Transfers

# Steps of an AMLSim sample kept by the quick tests: half its transfers, a third of its patterns.
QUICK_STEPS = 75


def first_steps(sample: AmlsimSample, steps: int) -> AmlsimSample:
    """The sample as if the simulation had stopped after `steps` steps: a smaller graph of the same kind."""
    keep = np.flatnonzero(sample.transfers.time < steps)
    transfers: Transfers = sample.transfers.take(keep)
    return AmlsimSample(
        f"{sample.name}-first{steps}",
        transfers,
        sample.fraud_account,
        sample.joined_at,
        sample.declared_kinds,
    )


@pytest.fixture(scope="session")
def dataset_dir() -> Path:
    directory = default_dataset_dir()
    if not (directory / "20K_fanin200.tgz").is_file():
        pytest.fail(f"the AMLSim samples are missing from {directory}")
    return directory


@pytest.fixture(scope="session")
def fan_in_raw(dataset_dir: Path) -> AmlsimSample:
    return load_sample("fan_in", dataset_dir)


@pytest.fixture(scope="session")
def cycle_raw(dataset_dir: Path) -> AmlsimSample:
    return load_sample("cycle", dataset_dir)


@pytest.fixture(scope="session")
def cycle_quick_raw(cycle_raw: AmlsimSample) -> AmlsimSample:
    return first_steps(cycle_raw, QUICK_STEPS)


@pytest.fixture(scope="session")
def fan_in_quick(fan_in_raw: AmlsimSample) -> LabelledSample:
    return amlsim_sample(first_steps(fan_in_raw, QUICK_STEPS))


@pytest.fixture(scope="session")
def cycle_quick(cycle_quick_raw: AmlsimSample) -> LabelledSample:
    return amlsim_sample(cycle_quick_raw)


def as_records(config: GeneratorConfig) -> list[ingest_pb2.TransactionRecord]:
    """A generated data set as ingest would export it: every transaction with its label."""
    data = generate(config)
    labels = {label.transaction_id: label for label in data.labels}
    records = []
    for tx in data.transactions:
        record = ingest_pb2.TransactionRecord(transaction=tx)
        label = labels.get(tx.transaction_id)
        if label is not None:
            record.label, record.label_scenario = label.label, label.scenario
        records.append(record)
    return records


@pytest.fixture(scope="session")
def generated_quick() -> list[ingest_pb2.TransactionRecord]:
    return as_records(GeneratorConfig(transactions=20_000, seed=11, fraud_share=0.05))


@pytest.fixture(scope="session")
def generated_quick_sample(generated_quick: list[ingest_pb2.TransactionRecord]) -> LabelledSample:
    return records_sample(generated_quick)


@pytest.fixture(scope="session")
def generated_sample() -> LabelledSample:
    """Enough episodes of every scenario to hold some out."""
    return records_sample(as_records(GeneratorConfig(transactions=60_000, seed=11, fraud_share=0.03)))


@pytest.fixture
async def graph_ingest_app(tmp_path: Path) -> AsyncIterator[IngestApp]:
    app = await start_ingest(
        IngestSettings(
            database_url=f"sqlite:///{tmp_path / 'ingest.db'}", port=0, data_dir=tmp_path / "ingest"
        )
    )
    yield app
    await app.stop()


@pytest.fixture
async def graph_ingest(graph_ingest_app: IngestApp) -> AsyncIterator[ingest_pb2_grpc.IngestServiceStub]:
    async with grpc.aio.insecure_channel(graph_ingest_app.address) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture
async def graph_ledger_app(tmp_path: Path) -> AsyncIterator[LedgerApp]:
    app = await start_ledger(
        LedgerSettings(
            backend="embedded",
            database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
            port=0,
            data_dir=tmp_path / "ledger",
            outbox_retry_seconds=0.2,
        )
    )
    yield app
    await app.stop()


@pytest.fixture
async def graph_ledger(graph_ledger_app: LedgerApp) -> AsyncIterator[ledger_pb2_grpc.LedgerServiceStub]:
    async with grpc.aio.insecure_channel(graph_ledger_app.address) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)
