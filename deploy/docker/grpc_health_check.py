"""Container health check: asks a gRPC server's health service (grpc.health.v1) whether it is serving.

    python grpc_health_check.py 127.0.0.1:50061 [SERVICE]

It speaks plaintext, so it asks the service's health port (PAYRISK_<SERVICE>_HEALTH_PORT), which serves the
health service alone; the main port takes mutual TLS only. Exits 0 when the server answers SERVING for
SERVICE (default "": the server as a whole), 1 otherwise. Docker's HEALTHCHECK and compose use it;
Kubernetes has native gRPC probes and does not need it.
"""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    address = argv[1]
    service = argv[2] if len(argv) == 3 else ""
    try:
        with grpc.insecure_channel(address) as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=3
            )
    except grpc.RpcError as error:
        print(f"{address}: {error.code().name}", file=sys.stderr)
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    print(f"{address} {service or '(server)'}: {status}")
    return 0 if response.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
