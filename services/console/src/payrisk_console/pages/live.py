"""The live view: decisions per second by outcome and ledger commit latency, refreshed by the page's script."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import charts
from ..live import LiveSnapshot
from ..web import console, render, signed_in


def _context(snapshot: LiveSnapshot) -> dict[str, object]:
    span = f"{snapshot.window}s"
    return {
        "snapshot": snapshot,
        "decisions_chart": charts.live_lines(
            {k: [float(v) for v in vs] for k, vs in snapshot.decisions.items()},
            "Decisions per second by outcome",
            "",
            span,
        ),
        "latency_chart": charts.live_lines(
            {"latency": snapshot.latency_ms}, "Ledger commit latency", " ms", span
        )
        if snapshot.latency_ms
        else None,
    }


def _snapshot(request: Request) -> LiveSnapshot:
    monitor = console(request).live
    monitor.looked_at()
    return monitor.snapshot()


@signed_in()
async def live_page(request: Request) -> Response:
    return render(request, "live.html", _context(_snapshot(request)))


@signed_in()
async def live_panel(request: Request) -> Response:
    return render(request, "_live_panel.html", _context(_snapshot(request)))


@signed_in()
async def live_json(request: Request) -> Response:
    return JSONResponse(_snapshot(request).to_json())
