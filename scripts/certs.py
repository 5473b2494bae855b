"""`make certs`: a local certificate authority and certificates for every payrisk identity.

Written to .payrisk/certs (never committed): ca.pem, and for each identity `<role>-<name>.pem` with its key
`<role>-<name>-key.pem` (readable by the owner only). Run again to add identities; the CA is kept.

    python scripts/certs.py [--dir .payrisk/certs] [extra identities, e.g. terminal:d-00001-0 operator:bob]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from payrisk_runtime.certs import CertificateAuthority

SERVICES = ("ingest", "risk", "push", "ledger", "console")
# The namespace deploy/k8s puts everything in.
K8S_NAMESPACE = "payrisk"
DEFAULT_IDENTITIES = [f"service:{s}" for s in SERVICES] + ["operator:admin", "terminal:demo-pos-1"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, default=Path(".payrisk/certs"))
    parser.add_argument("identities", nargs="*", help="more identities as role:name")
    args = parser.parse_args()
    ca = CertificateAuthority.open(args.dir)
    for identity in DEFAULT_IDENTITIES + args.identities:
        name = identity.split(":", 1)[1]
        # Service certificates also name the hosts the service is reached at: its compose service and its
        # Kubernetes Service in the `payrisk` namespace (deploy/k8s), short and fully qualified.
        hosts = (
            (
                "localhost",
                "127.0.0.1",
                name,
                f"payrisk-{name}",
                f"{name}.{K8S_NAMESPACE}",
                f"{name}.{K8S_NAMESPACE}.svc",
                f"{name}.{K8S_NAMESPACE}.svc.cluster.local",
            )
            if identity.startswith("service:")
            else ("localhost",)
        )
        files = ca.issue(identity, hosts)
        print(f"{identity:24} {files.cert}")
    print(f"CA: {ca.ca_file}")


if __name__ == "__main__":
    main()
