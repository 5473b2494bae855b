"""Each call to push is its own span in its caller's trace, the first call of a method and every later one."""

from __future__ import annotations

import random

import grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from payrisk.push.v1 import push_pb2, push_pb2_grpc

REQUEST_PUSH = "/payrisk.push.v1.PushService/RequestPush"


def recording() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_every_call_is_a_span_of_its_callers_trace(push_app):
    exporter = recording()
    rng = random.Random(4)
    callers = [(rng.getrandbits(128), rng.getrandbits(64)) for _ in range(3)]
    try:
        async with grpc.aio.insecure_channel(push_app.address) as channel:
            push = push_pb2_grpc.PushServiceStub(channel)
            for trace_id, span_id in callers:
                traceparent = f"00-{trace_id:032x}-{span_id:016x}-01"
                await push.RequestPush(
                    push_pb2.RequestPushRequest(terminal_id="t-1"), metadata=(("traceparent", traceparent),)
                )
        spans = [s for s in exporter.get_finished_spans() if s.name == REQUEST_PUSH]
    finally:
        exporter.shutdown()
    assert [(s.context.trace_id, s.parent.span_id) for s in spans] == callers
    assert len({s.context.span_id for s in spans}) == len(callers)
    assert all(s.kind == trace.SpanKind.SERVER for s in spans)
