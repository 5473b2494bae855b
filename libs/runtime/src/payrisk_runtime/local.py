"""Running payrisk services as local processes: for `make up`, the end-to-end tests and the benchmarks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: int

    @property
    def env_prefix(self) -> str:
        return f"PAYRISK_{self.name.upper()}_"


@dataclass
class LocalService:
    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    address: str = ""
    log_file: Path | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mib(self) -> float:
        return _status_kib(self.pid, "VmRSS") / 1024

    def peak_rss_mib(self) -> float:
        return _status_kib(self.pid, "VmHWM") / 1024

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would: no graceful shutdown."""
        self.process.kill()
        self.process.wait()


def _status_kib(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def serving(address: str, timeout: float = 1.0) -> bool:
    with grpc.insecure_channel(address) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=timeout
            )
        except grpc.RpcError:
            return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


@dataclass
class LocalStack:
    """Starts services with a shared state folder; each records its address in `endpoints.json` there."""

    state_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    services: dict[str, LocalService] = field(default_factory=dict)

    @property
    def endpoints_file(self) -> Path:
        return self.state_dir / "endpoints.json"

    def endpoints(self) -> dict[str, str]:
        if not self.endpoints_file.exists():
            return {}
        return dict(json.loads(self.endpoints_file.read_text()))

    def start(
        self, spec: ServiceSpec, env: dict[str, str] | None = None, log_file: Path | None = None
    ) -> LocalService:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_file or self.state_dir / "logs" / f"{spec.name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        prefix = spec.env_prefix
        full_env = {
            **os.environ,
            f"{prefix}PORT": str(spec.port),
            f"{prefix}DATA_DIR": str(self.state_dir / "data"),
            f"{prefix}ENDPOINTS_FILE": str(self.endpoints_file),
            "OTEL_SERVICE_NAME": f"payrisk-{spec.name}",
            **self.extra_env,
            **(env or {}),
        }
        with open(log_path, "ab") as log:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", spec.module],
                env=full_env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        service = LocalService(spec, process, log_file=log_path)
        self.services[spec.name] = service
        return service

    def wait_serving(self, service: LocalService, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.spec.name} exited with {service.process.returncode}; see {service.log_file}"
                )
            address = self.endpoints().get(service.spec.name)
            if address and serving(address):
                service.address = address
                return address
            time.sleep(0.1)
        raise TimeoutError(f"{service.spec.name} did not become healthy; see {service.log_file}")

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()
        self.services.clear()
