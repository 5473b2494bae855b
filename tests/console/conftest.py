"""The whole system as processes (ingest, ledger, push, risk and the console), a small generated data set and
a shell merchant loaded through the public APIs, and Debian's Chromium driven headless by Playwright."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from console_data import World, load
from console_stack import ANALYST, CHROMIUM, CHROMIUM_ARGS, OPERATOR, Running
from otlp_receiver import OtlpReceiver
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_runtime.local import SYSTEM, LocalStack, ServiceSpec, free_port
from risk_factories import install_model, train_small_model

pytestmark = pytest.mark.e2e


SCENARIOS = ("cycle", "fan_in", "cash_out")


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the console exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback console
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"the console did not answer at {url}; see {log}")


def _accounts_file(state: Path) -> Path:
    from payrisk_console.auth.passwords import hash_password

    path = state / "console-accounts"
    path.write_text(f"{ANALYST[0]} analyst {hash_password(ANALYST[1], n=2**12)}\n")
    return path


def _generate(ingest_address: str, state: Path) -> None:
    """A small synthetic data set (merchants, terminals, payers, fraud) of the last week, loaded through
    ingest's API. Run in the test's own folder, so no client certificate a `make run` left behind is used."""
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=8)).date().isoformat()
    done = subprocess.run(
        [sys.executable, "-m", "payrisk_ingest.cli", "generate", "--address", ingest_address,
         "--transactions", "3000", "--days", "7", "--start", start, "--no-progress"],
        capture_output=True, text=True, timeout=300, check=False, cwd=state,
    )  # fmt: skip
    assert done.returncode == 0, f"payrisk generate failed:\n{done.stderr[-3000:]}"


async def _load_world(addresses: dict[str, str]) -> World:
    async with (
        grpc.aio.insecure_channel(addresses["ingest"]) as ingest,
        grpc.aio.insecure_channel(addresses["risk"]) as risk,
    ):
        stub = risk_pb2_grpc.RiskServiceStub(risk)
        # Scenarios learned from the generated data's labelled rings and cash-outs, as an operator would.
        await stub.BuildScenarioKnowledgeBase(
            risk_pb2.BuildScenarioKnowledgeBaseRequest(
                sources=[
                    risk_pb2.ScenarioSource(
                        scenario_id=name, name=name.replace("_", " "), label_scenario=name
                    )
                    for name in SCENARIOS
                ]
            )
        )
        return await load(ingest_pb2_grpc.IngestServiceStub(ingest), stub)


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def running(tmp_path_factory: pytest.TempPathFactory, otlp: OtlpReceiver) -> Iterator[Running]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get install -y chromium (.ci/run installs it)")
    state = tmp_path_factory.mktemp("console-system")
    trained = tmp_path_factory.mktemp("console-model")
    asyncio.run(train_small_model(trained))
    install_model(trained, state / "data")
    metrics_port = free_port()
    stack = LocalStack(
        state,
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
    )
    env = {
        "ledger": {"PAYRISK_LEDGER_BACKEND": "embedded", "PAYRISK_LEDGER_METRICS_PORT": str(metrics_port)},
        "ingest": {
            "PAYRISK_INGEST_ANCHOR_INTERVAL_SECONDS": "0.2",
            "PAYRISK_INGEST_SCORING_DEADLINE_SECONDS": "10",
        },
        "risk": {
            "PAYRISK_RISK_BOOTSTRAP_MODEL": "false",
            "PAYRISK_RISK_WARM_UP_DAYS": "0",
            "PAYRISK_RISK_RETRY_INTERVAL_SECONDS": "0.5",
        },
    }
    try:
        addresses = stack.start_system(tuple(dataclasses.replace(s, port=0) for s in SYSTEM), env)
        console = stack.start(
            ServiceSpec("console", "payrisk_console", free_port()),
            {
                "PAYRISK_CONSOLE_INGEST_ADDRESS": addresses["ingest"],
                "PAYRISK_CONSOLE_RISK_ADDRESS": addresses["risk"],
                "PAYRISK_CONSOLE_LEDGER_ADDRESS": addresses["ledger"],
                "PAYRISK_CONSOLE_PUSH_ADDRESS": addresses["push"],
                "PAYRISK_CONSOLE_OPERATOR_NAME": OPERATOR[0],
                "PAYRISK_CONSOLE_OPERATOR_PASSWORD": OPERATOR[1],
                "PAYRISK_CONSOLE_ACCOUNTS_FILE": str(_accounts_file(state)),
                "PAYRISK_CONSOLE_LEDGER_METRICS_URL": f"http://127.0.0.1:{metrics_port}/metrics",
            },
        )
        url = f"http://127.0.0.1:{console.spec.port}"
        assert console.log_file is not None
        _wait_http(f"{url}/healthz", console.process, console.log_file)
        _generate(addresses["ingest"], state)
        world = asyncio.run(_load_world(addresses))
        yield Running(addresses, url, world)
    finally:
        stack.stop_all()


# Per module, not per session: Playwright's synchronous API keeps an event loop running in this thread while the
# browser is open, which would break every asyncio test that runs after these.
@pytest.fixture(scope="module")
def browser(running: Running) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def ingest(running: Running) -> Iterator[ingest_pb2_grpc.IngestServiceStub]:
    with grpc.insecure_channel(running.addresses["ingest"]) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture(scope="session")
def ledger(running: Running) -> Iterator[ledger_pb2_grpc.LedgerServiceStub]:
    with grpc.insecure_channel(running.addresses["ledger"]) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)


@pytest.fixture(scope="session")
def push(running: Running) -> Iterator[push_pb2_grpc.PushServiceStub]:
    with grpc.insecure_channel(running.addresses["push"]) as channel:
        yield push_pb2_grpc.PushServiceStub(channel)
