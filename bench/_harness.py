"""What every benchmark shares: a service run as its own process, and printing results."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from payrisk_runtime.local import LocalService, LocalStack, ServiceSpec

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def service(name: str, module: str, env: dict[str, str] | None = None) -> Iterator[LocalService]:
    """Run a payrisk service as a separate process on a free port with a fresh data directory."""
    with tempfile.TemporaryDirectory(prefix=f"payrisk-bench-{name}-") as tmp:
        stack = LocalStack(Path(tmp), {f"PAYRISK_{name.upper()}_LOG_LEVEL": "WARNING"})
        started = stack.start(ServiceSpec(name, module, 0), env)
        try:
            stack.wait_serving(started)
            yield started
        finally:
            stack.stop_all()


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
