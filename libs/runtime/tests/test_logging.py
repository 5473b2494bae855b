"""Structured logs carry the trace id and never a card number."""

from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import TracerProvider
from payrisk_runtime import configure_logging, redact


def test_card_numbers_are_redacted():
    assert redact("card 4111 1111 1111 1111 declined") == "card [REDACTED] declined"
    assert redact("pan=5500005555555559;") == "pan=[REDACTED];"
    assert redact("order 12345 for 99.50") == "order 12345 for 99.50"


def test_json_lines_carry_the_current_trace_id(capsys):
    configure_logging("test-service", "INFO", "json")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        logging.getLogger("payrisk.test").info("scored card 4111111111111111")
        trace_id = format(span.get_span_context().trace_id, "032x")
    entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert entry["service"] == "test-service"
    assert entry["trace_id"] == trace_id
    assert entry["message"] == "scored card [REDACTED]"
