"""Running payrisk services as local processes: for `make up`, the end-to-end tests and the benchmarks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ._client_tls import blocking_channel
from ._tls import TlsFiles


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


# The whole system in start order. Ingest keeps what risk cannot score yet and scores it later, so it starts
# before risk, and risk can then warm its feature state up from ingest.
SYSTEM = (
    ServiceSpec("ledger", "payrisk_ledger", 50054),
    ServiceSpec("ingest", "payrisk_ingest", 50051),
    ServiceSpec("push", "payrisk_push", 50053),
    ServiceSpec("risk", "payrisk_risk", 50052),
)
# Who calls whom: for each caller, its address settings (without the prefix) and the service each names.
CALLS: dict[str, dict[str, str]] = {
    "ingest": {"RISK_ADDRESS": "risk", "LEDGER_ADDRESS": "ledger"},
    "push": {"INGEST_ADDRESS": "ingest"},
    "risk": {"INGEST_ADDRESS": "ingest", "LEDGER_ADDRESS": "ledger", "PUSH_ADDRESS": "push"},
}


def links(spec: ServiceSpec, addresses: dict[str, str]) -> dict[str, str]:
    """The environment that points `spec` at the services it calls (those in `addresses`)."""
    return {
        f"{spec.env_prefix}{setting}": addresses[callee]
        for setting, callee in CALLS.get(spec.name, {}).items()
        if callee in addresses
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_kib(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def serving(address: str, timeout: float = 1.0, tls: TlsFiles | None = None) -> bool:
    with blocking_channel(address, tls) as channel:
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
            # Processes started here are for tests and benchmarks: plaintext unless TLS files are passed.
            f"{prefix}PLAINTEXT": "true",
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

    def start_system(
        self, specs: tuple[ServiceSpec, ...] = SYSTEM, env: dict[str, dict[str, str]] | None = None
    ) -> dict[str, str]:
        """Starts `specs` in order, each linked to the others, and waits until all serve; returns their
        addresses. Ports 0 are chosen up front, since ingest and risk each need the other's address."""
        ports = {s.name: s.port or free_port() for s in specs}
        addresses = {name: f"127.0.0.1:{port}" for name, port in ports.items()}
        for spec in specs:
            pinned = ServiceSpec(spec.name, spec.module, ports[spec.name])
            extra = {**links(pinned, addresses), **(env or {}).get(spec.name, {})}
            self.wait_serving(self.start(pinned, extra))
        return addresses

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()
        self.services.clear()


# `deploy/fabric/network.sh` exits with this when Fabric's commands cannot be had on this machine.
NO_FABRIC_BINARIES = 3


@dataclass(frozen=True)
class FabricNetwork:
    """The outcome of bringing the native Fabric network up: its description file, or why there is none."""

    network_file: Path | None
    reason: str = ""

    def ledger_env(self) -> dict[str, str]:
        """The ledger's settings for this network (the embedded backend when there is none)."""
        if self.network_file is None:
            return {"PAYRISK_LEDGER_BACKEND": "embedded"}
        return {
            "PAYRISK_LEDGER_BACKEND": "fabric",
            "PAYRISK_LEDGER_FABRIC_NETWORK_FILE": str(self.network_file),
        }


def start_fabric(repo_root: Path, *, timeout: float = 1800, echo: bool = False) -> FabricNetwork:
    """`network.sh up` (a no-op on a running network; builds Fabric's commands the first time). With `echo`
    its progress goes to the terminal as it happens.

    Raises RuntimeError when the network fails for any reason other than missing binaries."""
    captured = None if echo else subprocess.PIPE
    done = subprocess.run(  # noqa: S603
        ["bash", str(repo_root / "deploy" / "fabric" / "network.sh"), "up"],  # noqa: S607
        stdout=captured,
        stderr=captured,
        text=True,
        timeout=timeout,
        check=False,
    )
    errors = done.stderr or ""
    if done.returncode == NO_FABRIC_BINARIES:
        lines = errors.strip().splitlines() or ["see the messages above"]
        return FabricNetwork(None, next((x for x in lines if "error:" in x), lines[-1]))
    if done.returncode != 0:
        raise RuntimeError(f"the Fabric network did not start ({done.returncode}):\n{errors[-4000:]}")
    return FabricNetwork(repo_root / ".payrisk" / "fabric" / "network.json")
