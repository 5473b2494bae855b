"""Assembles the console: routes, sessions, tracing, error pages, and the clients of the four services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .auth.accounts import AccountBook, load_accounts
from .auth.sessions import SessionCodec, SessionMiddleware
from .errors import ConsoleError, ServiceError
from .headers import SecurityHeadersMiddleware
from .live import LiveMonitor, stop
from .pages import devices, live, merchants, models, queue, signin, transactions
from .services import Services
from .settings import ConsoleSettings
from .tracing import TracingMiddleware
from .web import Console, make_templates, render

logger = logging.getLogger("payrisk.console")
STATIC = Path(__file__).parent / "static"


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or "application/json" in request.headers.get("accept", "")


async def _console_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ConsoleError)
    if isinstance(error, ServiceError):
        logger.warning("%s %s: %s", request.method, request.url.path, error.message)
    if _wants_json(request):
        body = {"error": error.title, "message": error.message, "fields": [v.field for v in error.violations]}
        return JSONResponse(body, status_code=error.status)
    if error.status == 401 and request.method == "GET":
        return RedirectResponse("/login", status_code=303)
    service = error.service if isinstance(error, ServiceError) else ""
    context = {"error": error, "service": service}
    return render(request, "error.html", context, error.status)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    page = ConsoleError("There is no such page." if error.status_code == 404 else str(error.detail))
    page.status, page.title = error.status_code, "Not found" if error.status_code == 404 else "Not allowed"
    return await _console_error(request, page)


async def _unexpected(request: Request, error: Exception) -> Response:
    logger.exception("%s %s failed", request.method, request.url.path)
    page = ConsoleError("The console could not show this page; the error is in its log.")
    return await _console_error(request, page)


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _home(request: Request) -> Response:
    return RedirectResponse("/queue", status_code=303)


ROUTES = [
    Route("/", _home),
    Route("/healthz", _health),
    Route("/login", signin.login_page, methods=["GET"]),
    Route("/login", signin.login, methods=["POST"]),
    Route("/logout", signin.logout, methods=["POST"]),
    Route("/queue", queue.queue_page),
    # An id may hold "/", so ids are matched as paths; the routes with a suffix come first.
    Route("/transactions/{transaction_id:path}/verify", transactions.verify_transaction),
    Route("/transactions/{transaction_id:path}/label", transactions.label, methods=["POST"]),
    Route("/transactions/{transaction_id:path}", transactions.transaction_page),
    Route("/merchants", merchants.merchants_page),
    Route("/merchants/{merchant_id:path}", merchants.merchant_page),
    Route("/freezes/{freeze_id:path}/release", merchants.release, methods=["POST"]),
    Route("/devices", devices.devices_page),
    Route("/devices/{device_id:path}/verify", devices.verify_device),
    Route("/devices/{device_id:path}", devices.device_page),
    Route("/models", models.models_page),
    Route("/models/{version:path}/activate", models.activate, methods=["POST"]),
    Route("/live", live.live_page),
    Route("/live/panel", live.live_panel),
    Route("/live.json", live.live_json),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def build_app(settings: ConsoleSettings, accounts: AccountBook | None = None) -> Starlette:
    """The console's ASGI app; its clients open when it starts serving and close when it stops."""
    book = accounts or load_accounts(settings)
    codec = SessionCodec(settings.session_key(), settings.session_max_age_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = Services.from_settings(settings)
        monitor = LiveMonitor(
            services,
            settings.ledger_metrics_url,
            settings.live_interval_seconds,
            settings.live_window_seconds,
        )
        app.state.console = Console(services, book, monitor, make_templates())
        sampler = asyncio.create_task(monitor.run())
        try:
            yield
        finally:
            await stop(sampler)
            await services.close()

    return Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(TracingMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(SessionMiddleware, codec=codec, secure=settings.secure_cookies),
        ],
        exception_handlers={ConsoleError: _console_error, HTTPException: _http_error, Exception: _unexpected},
        lifespan=lifespan,
    )
