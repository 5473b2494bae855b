"""Notification fan-out: notices delivered per second to 1,000 connected terminal streams of one merchant.

The baseline is the same number of unary health checks over the same connection, in the same run: what it costs
just to move that many messages through gRPC here.

    python bench/push_fanout.py [--terminals 1000] [--notices 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import grpc
from _harness import report
from grpc_health.v1 import health_pb2, health_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_runtime.local import LocalStack, ServiceSpec


async def run(terminals: int, notices: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack(Path(tmp), {"PAYRISK_PUSH_LOG_LEVEL": "WARNING"})
        service = stack.start(ServiceSpec("push", "payrisk_push", 0))
        try:
            stack.wait_serving(service)
            async with grpc.aio.insecure_channel(service.address) as channel:
                push = push_pb2_grpc.PushServiceStub(channel)
                streams = [
                    push.StreamNotifications(
                        push_pb2.StreamNotificationsRequest(terminal_id=f"t-{i}", merchant_id="m-fan")
                    )
                    for i in range(terminals)
                ]
                await asyncio.sleep(2)
                expected = terminals * notices
                received = 0
                done = asyncio.Event()

                async def drain(stream) -> None:
                    nonlocal received
                    for _ in range(notices):
                        await stream.read()
                        received += 1
                        if received == expected:
                            done.set()

                readers = [asyncio.create_task(drain(s)) for s in streams]
                started = time.perf_counter()
                for n in range(notices):
                    notice = push_pb2.Notification(notification_id=f"n-{n}", kind=push_pb2.NOTIFICATION_KIND_RISK_ALERT,
                                                   merchant_id="m-fan", title="Risk alert")  # fmt: skip
                    await push.Notify(push_pb2.NotifyRequest(notifications=[notice]))
                await asyncio.wait_for(done.wait(), 300)
                elapsed = time.perf_counter() - started
                for task in readers:
                    task.cancel()
                for s in streams:
                    s.cancel()
                health = health_pb2_grpc.HealthStub(channel)
                base_started = time.perf_counter()
                for i in range(0, expected, 500):
                    await asyncio.gather(
                        *(
                            health.Check(health_pb2.HealthCheckRequest())
                            for _ in range(min(500, expected - i))
                        )
                    )
                baseline = expected / (time.perf_counter() - base_started)
        finally:
            stack.stop_all()
    rate = expected / elapsed
    report(
        f"notification fan-out: {notices} notices to {terminals:,} connected terminals ({expected:,} deliveries)",
        [
            ("delivered", f"{rate:,.0f} notices/s (each persisted, counted per terminal)"),
            ("health checks, same count", f"{baseline:,.0f} calls/s"),
            ("ratio", f"{rate / baseline:.1%}"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--notices", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.terminals, args.notices))


if __name__ == "__main__":
    main()
