"""Run payrisk on this machine: the native Fabric network and every service as background processes.

    devstack.py up     start what is not running yet; wait until each service reports SERVING
    devstack.py down   stop what `up` started (by the recorded process ids), the Fabric network included
    devstack.py run    up, a short narrated demo, then wait; Ctrl-C stops what this command started

Addresses go to .payrisk/endpoints.json, logs to .payrisk/logs/<service>.log. The ledger uses the Fabric
network (built from source the first time, which takes minutes); when Fabric's commands cannot be had it
falls back to its embedded backend and says so. PAYRISK_LEDGER_BACKEND=embedded skips Fabric altogether.

Every service serves and calls over mutual TLS with certificates from a local CA in .payrisk/certs (made on
first use, like `make certs`); command-line clients on this machine (`payrisk`, the demo) present the
`operator:admin` certificate, recorded in .payrisk/client-tls.json. PAYRISK_PLAINTEXT=true runs everything
in plaintext instead, for development.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path

from payrisk_runtime import TlsFiles, write_client_tls
from payrisk_runtime.certs import CertificateAuthority
from payrisk_runtime.local import SYSTEM, FabricNetwork, ServiceSpec, links, serving, start_fabric

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".payrisk"
ENDPOINTS = STATE / "endpoints.json"
LOGS = STATE / "logs"
PIDS = STATE / "pids"
CERTS = STATE / "certs"
CLIENT_TLS = STATE / "client-tls.json"
OPERATOR = "operator:admin"
# Present while the Fabric network runs because `up` started it (so that `down` stops it too).
FABRIC_STARTED_HERE = PIDS / "fabric.started"
NETWORK_SH = ROOT / "deploy" / "fabric" / "network.sh"
ADDRESSES = {s.name: f"127.0.0.1:{s.port}" for s in SYSTEM}
# The analysts' console: a web server over the four services, started after them.
CONSOLE = ServiceSpec("console", "payrisk_console", 8080)
LEDGER_METRICS_PORT = 9104
CONSOLE_PASSWORD = STATE / "data" / "console" / "operator-password"
# Settings for running on one machine: mining and retries often enough to watch them happen.
LOCAL_ENV = {
    "PAYRISK_PUSH_MINING_INTERVAL_SECONDS": "30",
    "PAYRISK_RISK_RETRY_INTERVAL_SECONDS": "2",
}


def _alive(pid: int) -> bool:
    try:
        # A service this process started is its child: reap it, or it lingers as a zombie that looks alive.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pid(service: ServiceSpec) -> int | None:
    path = PIDS / f"{service.name}.pid"
    if not path.exists():
        return None
    pid = int(path.read_text())
    return pid if _alive(pid) else None


def _wait_until(ready: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return True
        time.sleep(0.2)
    return False


def _plaintext() -> bool:
    return os.environ.get("PAYRISK_PLAINTEXT", "").lower() in ("1", "true", "yes")


def _certificates() -> dict[str, TlsFiles]:
    """Each service's files and the operator's (issued once, kept in .payrisk/certs); none in plaintext."""
    if _plaintext():
        CLIENT_TLS.unlink(missing_ok=True)
        return {}
    ca = CertificateAuthority.open(CERTS)
    issued = {}
    names = [*(s.name for s in SYSTEM), CONSOLE.name]
    for name, identity in [*((n, f"service:{n}") for n in names), ("operator", OPERATOR)]:
        stem = CERTS / identity.replace(":", "-")
        files = TlsFiles(stem.with_suffix(".pem"), stem.parent / f"{stem.name}-key.pem", ca.ca_file)
        if not (files.cert.exists() and files.key.exists()):
            files = ca.issue(identity, ("localhost", "127.0.0.1"))
        issued[name] = files
    write_client_tls(issued["operator"], CLIENT_TLS)
    return issued


def _tls_env(service: ServiceSpec, certificates: dict[str, TlsFiles]) -> dict[str, str]:
    files = certificates.get(service.name)
    if files is None:
        return {f"{service.env_prefix}PLAINTEXT": "true"}
    return {
        f"{service.env_prefix}TLS_CERT_FILE": str(files.cert),
        f"{service.env_prefix}TLS_KEY_FILE": str(files.key),
        f"{service.env_prefix}TLS_CA_FILE": str(files.ca),
    }


def _console_env(certificates: dict[str, TlsFiles]) -> dict[str, str]:
    prefix = CONSOLE.env_prefix
    env = {f"{prefix}{name.upper()}_ADDRESS": address for name, address in ADDRESSES.items()}
    env[f"{prefix}LEDGER_METRICS_URL"] = f"http://127.0.0.1:{LEDGER_METRICS_PORT}/metrics"
    operator = certificates.get("operator")
    if operator is not None:
        env[f"{prefix}OPERATOR_TLS_CERT_FILE"] = str(operator.cert)
        env[f"{prefix}OPERATOR_TLS_KEY_FILE"] = str(operator.key)
    return env


def _console_serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310  (our own address)
            return bool(response.status == 200)
    except OSError:
        return False


def _fabric_running() -> bool:
    status = subprocess.run(["bash", str(NETWORK_SH), "status"], capture_output=True, check=False)
    return status.returncode == 0


def _ledger_backend() -> FabricNetwork:
    if os.environ.get("PAYRISK_LEDGER_BACKEND") == "embedded":
        print("  ledger   embedded backend (PAYRISK_LEDGER_BACKEND=embedded)")
        return FabricNetwork(None, "embedded asked for")
    was_running = _fabric_running()
    if not was_running:
        print(
            "  fabric   starting the native Hyperledger Fabric network (orderer, two organisations, chaincode)"
        )
        print("           the first time this builds Fabric's commands from source: a few minutes")
    network = start_fabric(ROOT, echo=True)
    if network.network_file is None:
        banner = "!" * 100
        print(f"\n{banner}\n  NO FABRIC: {network.reason}\n  The ledger runs on its EMBEDDED backend "
              f"(a signed hash chain in SQLite), not on Hyperledger Fabric.\n{banner}\n")  # fmt: skip
    elif not was_running:
        FABRIC_STARTED_HERE.write_text("1")
    return network


def _service_env(
    service: ServiceSpec, network: FabricNetwork, certificates: dict[str, TlsFiles]
) -> dict[str, str]:
    env = {
        **os.environ,
        f"{service.env_prefix}PORT": str(service.port),
        f"{service.env_prefix}DATA_DIR": str(STATE / "data"),
        f"{service.env_prefix}ENDPOINTS_FILE": str(ENDPOINTS),
        "OTEL_SERVICE_NAME": f"payrisk-{service.name}",
        **LOCAL_ENV,
        **links(service, ADDRESSES),
        **_tls_env(service, certificates),
    }
    if service.name == "ledger":
        env.update(network.ledger_env(), PAYRISK_LEDGER_METRICS_PORT=str(LEDGER_METRICS_PORT))
    if service is CONSOLE:
        env.update(_console_env(certificates))
    return env


def up() -> list[ServiceSpec]:
    """Start what is not running; returns the services this call started."""
    for folder in (LOGS, PIDS):
        folder.mkdir(parents=True, exist_ok=True)
    network = _ledger_backend()
    certificates = _certificates()
    print(
        "  tls      plaintext (PAYRISK_PLAINTEXT)"
        if not certificates
        else f"  tls      mutual TLS, certificates in {CERTS}"
    )
    started = []
    for service in (*SYSTEM, CONSOLE):
        if _pid(service):
            print(f"  {service.name:8} already running")
            continue
        env = _service_env(service, network, certificates)
        log = open(LOGS / f"{service.name}.log", "ab")  # noqa: SIM115  (the child process owns it)
        process = subprocess.Popen(
            [sys.executable, "-m", service.module],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=ROOT,
        )
        (PIDS / f"{service.name}.pid").write_text(str(process.pid))
        started.append(service)
        # Each waits for the ones before it: the ledger must answer before ingest anchors on it.
        if service is CONSOLE:
            url = f"http://127.0.0.1:{CONSOLE.port}"
            healthy = _wait_until(partial(_console_serving, url))
            where = f"{url} (sign in as admin; password in {CONSOLE_PASSWORD})"
        else:
            where = ADDRESSES[service.name]
            healthy = _wait_until(partial(serving, where, tls=certificates.get("operator")))
        if not healthy:
            sys.exit(f"{service.name} did not become healthy; see {LOGS / (service.name + '.log')}")
        print(f"  {service.name:8} serving on {where}")
    return started


def down(services: list[ServiceSpec] | None = None) -> None:
    for service in reversed(services if services is not None else [*SYSTEM, CONSOLE]):
        pid = _pid(service)
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        (PIDS / f"{service.name}.pid").unlink(missing_ok=True)
        print(f"  {service.name:8} stopped")
    if services is None or not any(_pid(s) for s in (*SYSTEM, CONSOLE)):
        CLIENT_TLS.unlink(missing_ok=True)
    if FABRIC_STARTED_HERE.exists():
        subprocess.run(["bash", str(NETWORK_SH), "down"], check=False)
        FABRIC_STARTED_HERE.unlink(missing_ok=True)
        print("  fabric   stopped (its ledger is kept in .payrisk/fabric)")


def show_endpoints() -> None:
    endpoints = json.loads(ENDPOINTS.read_text()) if ENDPOINTS.exists() else {}
    print("\npayrisk is running:")
    for name, address in sorted(endpoints.items()):
        print(f"  {name:8} {address}    grpcurl -plaintext {address} list")
    print(
        '  e.g.     grpcurl -plaintext -d \'{"merchant_id": "..."}\' 127.0.0.1:50052 '
        "payrisk.risk.v1.RiskService/AssessMerchant"
    )
    print(
        "  or       .venv/bin/payrisk --help   (ledger-info, transaction, assess-merchant, freezes, verify...)"
    )
    print(f"  logs     {LOGS}/")


def run() -> None:
    print("starting payrisk...")
    started = up()
    try:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], check=True, cwd=ROOT)
        show_endpoints()
        print("Press Ctrl-C to stop.")
        # Also when started in the background, where SIGINT arrives ignored.
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, signal.default_int_handler)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not leave services behind half-stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nstopping...")
        down(started)


if __name__ == "__main__":
    commands = {"up": lambda: up() and None, "down": down, "run": run}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
