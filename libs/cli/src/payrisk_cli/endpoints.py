"""Where the services listen: flags, then PAYRISK_<SERVICE>_ADDRESS, then the file `make up` writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_FILE = Path(".payrisk/endpoints.json")
DEFAULT_PORTS = {"ingest": 50051, "risk": 50052, "push": 50053, "ledger": 50054}


def address(service: str, override: str | None = None, endpoints_file: Path = DEFAULT_FILE) -> str:
    if override:
        return override
    from_env = os.environ.get(f"PAYRISK_{service.upper()}_ADDRESS")
    if from_env:
        return from_env
    if endpoints_file.exists():
        recorded = json.loads(endpoints_file.read_text()).get(service)
        if recorded:
            return str(recorded)
    return f"127.0.0.1:{DEFAULT_PORTS[service]}"
