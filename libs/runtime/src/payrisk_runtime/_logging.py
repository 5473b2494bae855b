"""Structured logs: one JSON object per line, with the current trace and span ids."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from types import TracebackType

from opentelemetry import trace

# Card numbers (13-19 digits, optionally grouped) are never written to logs.
_PAN = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# Nor secrets that reach a message by accident (an exception quoting its argument, a URL in an error): the
# password of a URL (`postgresql+psycopg://user:secret@host/db`) or a libpq key/value string (`password=...`),
# and PEM private keys, whole or cut off. Certificates are public, but one in a log says which identity a
# service holds (the ledger's Fabric identity above all), so they go too.
_URL_PASSWORD = re.compile(
    r"(?P<head>[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)(?P<secret>[^@\s/]*)(?=@)", re.IGNORECASE
)
_KEY_VALUE_PASSWORD = re.compile(
    r"""(?P<head>\b(?:password|passwd|pwd)["']?\s*[=:]\s*)(?P<secret>'[^']*'|"[^"]*"|[^\s,;&]+)""",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.DOTALL
)
_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.*?(?:-----END CERTIFICATE-----|\Z)", re.DOTALL)


def redact(text: str) -> str:
    text = _PRIVATE_KEY.sub("[REDACTED PRIVATE KEY]", text)
    text = _CERTIFICATE.sub("[REDACTED CERTIFICATE]", text)
    text = _URL_PASSWORD.sub(r"\g<head>[REDACTED]", text)
    text = _KEY_VALUE_PASSWORD.sub(r"\g<head>[REDACTED]", text)
    return _PAN.sub("[REDACTED]", text)


class _TraceContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else ""
        record.span_id = format(context.span_id, "016x") if context.is_valid else ""
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "trace_id": getattr(record, "trace_id", ""),
            "span_id": getattr(record, "span_id", ""),
        }
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_TraceContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s [%(trace_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    sys.excepthook = _log_uncaught


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """An error that ends the process (a bad setting, a database that is not there) is logged like any other,
    redacted, instead of printed raw: its message may quote a setting, a URL or a file."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("payrisk").critical("stopped by an unhandled error", exc_info=(kind, error, trace))
