"""The Kubernetes Secrets of payrisk's mutual TLS, made from the certificates `make certs` wrote.

    make certs
    python deploy/k8s/tls-secrets.py | kubectl apply -f -

Prints (JSON, which kubectl applies like YAML; nothing is written to disk) one Secret per service and the
console, `payrisk-tls-<name>` with `tls.crt`, `tls.key` and `ca.crt`, which its Deployment mounts read-only at
/etc/payrisk/tls, and `payrisk-tls-console-operator` with the operator certificate the console presents for a
signed-in operator's actions (`tls.crt`, `tls.key`; its CA is the console's). After `make certs` renews the
certificates, apply again and restart the Deployments (`kubectl -n payrisk rollout restart deployment`).

    python deploy/k8s/tls-secrets.py [--certs .payrisk/certs] [--operator admin] [--namespace payrisk]
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# The payrisk parties that serve or call over mutual TLS in deploy/k8s, each under its own certificate.
PARTIES = ("ingest", "risk", "push", "ledger", "console")
OPERATOR_SECRET = "payrisk-tls-console-operator"  # noqa: S105 (the name of a Secret, not a secret)


def secret_name(party: str) -> str:
    return f"payrisk-tls-{party}"


def tls_secret(name: str, namespace: str, files: dict[str, Path]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "payrisk"},
        },
        # kubernetes.io/tls: tls.crt and tls.key are checked by the API server; ca.crt rides along.
        "type": "kubernetes.io/tls",
        "data": {key: base64.b64encode(path.read_bytes()).decode() for key, path in files.items()},
    }


def secrets(certs: Path, operator: str, namespace: str) -> list[dict[str, Any]]:
    """The Secrets, from `certs` (the layout of scripts/certs.py: ca.pem, <role>-<name>.pem and -key.pem)."""
    wanted = {
        secret_name(party): {
            "tls.crt": certs / f"service-{party}.pem",
            "tls.key": certs / f"service-{party}-key.pem",
            "ca.crt": certs / "ca.pem",
        }
        for party in PARTIES
    }
    wanted[OPERATOR_SECRET] = {
        "tls.crt": certs / f"operator-{operator}.pem",
        "tls.key": certs / f"operator-{operator}-key.pem",
    }
    missing = sorted({str(p) for files in wanted.values() for p in files.values() if not p.is_file()})
    if missing:
        raise SystemExit(
            "missing " + ", ".join(missing) + ": run `make certs` (or scripts/certs.py operator:<name>) first"
        )
    return [tls_secret(name, namespace, files) for name, files in wanted.items()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--certs", type=Path, default=ROOT / ".payrisk" / "certs")
    parser.add_argument("--operator", default="admin", help="the operator whose certificate the console uses")
    parser.add_argument("--namespace", default="payrisk")
    args = parser.parse_args()
    items = secrets(args.certs, args.operator, args.namespace)
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
