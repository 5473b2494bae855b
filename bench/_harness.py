"""What every benchmark shares: starting a service as its own process, reading its memory, printing results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class ServiceProcess:
    name: str
    address: str
    pid: int
    data_dir: Path

    def rss_mib(self) -> float:
        return _status_kib(self.pid, "VmRSS") / 1024

    def peak_rss_mib(self) -> float:
        return _status_kib(self.pid, "VmHWM") / 1024


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextmanager
def service(name: str, module: str, env: dict[str, str] | None = None) -> Iterator[ServiceProcess]:
    """Run a payrisk service as a separate process on a free port with a fresh data directory."""
    with tempfile.TemporaryDirectory(prefix=f"payrisk-bench-{name}-") as tmp:
        data = Path(tmp)
        endpoints = data / "endpoints.json"
        prefix = f"PAYRISK_{name.upper()}_"
        full_env = {
            **os.environ,
            f"{prefix}PORT": "0",
            f"{prefix}DATA_DIR": str(data),
            f"{prefix}ENDPOINTS_FILE": str(endpoints),
            f"{prefix}LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        with open(data / "service.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", module], env=full_env, stdout=log, stderr=log)
            try:
                address = _wait_for_address(endpoints, name, process)
                yield ServiceProcess(name, address, process.pid, data)
            finally:
                process.terminate()
                process.wait(30)


def _wait_for_address(endpoints: Path, name: str, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        if endpoints.exists():
            address = json.loads(endpoints.read_text()).get(name)
            if address and _serving(address):
                return str(address)
        time.sleep(0.1)
    raise TimeoutError(f"{name} did not start")


def _serving(address: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.RpcError:
            return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
