"""OpenTelemetry tracing, configured only through the standard OTEL_* variables."""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor, filters
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter


def _exporters() -> list[SpanExporter]:
    """Exporters named by OTEL_TRACES_EXPORTER; OTLP by default only when an endpoint is configured."""
    names = os.environ.get("OTEL_TRACES_EXPORTER", "")
    if not names:
        endpoint_set = any(
            os.environ.get(v) for v in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        )
        names = "otlp" if endpoint_set else "none"
    exporters: list[SpanExporter] = []
    for name in (n.strip() for n in names.split(",")):
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
    return exporters


def configure_tracing(default_service_name: str) -> TracerProvider:
    """Install a tracer provider; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", default_service_name)})
    provider = TracerProvider(resource=resource)
    for exporter in _exporters():
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def server_tracing_interceptor() -> Any:
    # Health checks would drown the real traces.
    return aio_server_interceptor(filter_=filters.negate(filters.health_check()))


def client_tracing_interceptors() -> list[Any]:
    return list(aio_client_interceptors(filter_=filters.negate(filters.health_check())))


def annotate(**attributes: str | int | float | bool) -> None:
    """Business facts (merchant id, instruction id, ledger transaction id...) on the current span, as
    `payrisk.<name>`, so that a trace can be found by them and read without the logs."""
    span = trace.get_current_span()
    if span.is_recording():
        for name, value in attributes.items():
            if value != "":
                span.set_attribute(f"payrisk.{name}", value)
