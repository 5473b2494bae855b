"""Run payrisk's services on this machine as background processes.

    devstack.py up     start every service not yet running; wait until each reports SERVING
    devstack.py down   stop the services `up` started (by their recorded process ids)
    devstack.py run    up, a short narrated demo, then wait; Ctrl-C stops what this command started

Addresses go to .payrisk/endpoints.json, logs to .payrisk/logs/<service>.log.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from payrisk_runtime.local import ServiceSpec, serving

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".payrisk"
ENDPOINTS = STATE / "endpoints.json"
LOGS = STATE / "logs"
PIDS = STATE / "pids"


# In dependency order: each service starts after those it calls.
SERVICES = [
    ServiceSpec("ledger", "payrisk_ledger", 50054),
    ServiceSpec("ingest", "payrisk_ingest", 50051),
    ServiceSpec("push", "payrisk_push", 50053),
]
# Who calls whom, on this machine.
LINKS = {"PAYRISK_PUSH_INGEST_ADDRESS": "127.0.0.1:50051", "PAYRISK_PUSH_MINING_INTERVAL_SECONDS": "30"}


def _alive(pid: int) -> bool:
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


def _wait_serving(address: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serving(address):
            return True
        time.sleep(0.2)
    return False


def up() -> list[ServiceSpec]:
    """Start what is not running; returns the services this call started."""
    for folder in (LOGS, PIDS):
        folder.mkdir(parents=True, exist_ok=True)
    started = []
    for service in SERVICES:
        if _pid(service):
            print(f"  {service.name:8} already running")
            continue
        env = {
            **os.environ,
            f"{service.env_prefix}PORT": str(service.port),
            f"{service.env_prefix}DATA_DIR": str(STATE / "data"),
            f"{service.env_prefix}ENDPOINTS_FILE": str(ENDPOINTS),
            "OTEL_SERVICE_NAME": f"payrisk-{service.name}",
            **LINKS,
        }
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
    for service in SERVICES:
        address = f"127.0.0.1:{service.port}"
        if not _wait_serving(address):
            sys.exit(f"{service.name} did not become healthy; see {LOGS / (service.name + '.log')}")
        print(f"  {service.name:8} serving on {address}")
    return started


def down(services: list[ServiceSpec] | None = None) -> None:
    for service in services if services is not None else SERVICES:
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


def run() -> None:
    print("starting payrisk...")
    started = up()
    try:
        endpoints = json.loads(ENDPOINTS.read_text()) if ENDPOINTS.exists() else {}
        subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], check=True, cwd=ROOT)
        print("\npayrisk is running:")
        for name, address in sorted(endpoints.items()):
            print(f"  {name:8} {address}    e.g. grpcurl -plaintext {address} list")
        print("Press Ctrl-C to stop.")
        signal.signal(signal.SIGTERM, signal.default_int_handler)
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
