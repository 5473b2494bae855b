"""Signing in and out."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from ..auth import csrf
from ..web import console, current_account, redirect, render

logger = logging.getLogger("payrisk.console.signin")
MAX_FIELD = 256


def _safe_next(target: str) -> str:
    """Only a path on this console: never an open redirect to another site."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


async def login_page(request: Request) -> Response:
    if current_account(request) is not None:
        return redirect(_safe_next(request.query_params.get("next", "/queue")))
    return render(
        request, "login.html", {"next": _safe_next(request.query_params.get("next", "/queue")), "error": ""}
    )


async def login(request: Request) -> Response:
    form = await request.form()
    target = _safe_next(str(form.get("next", "/queue")))
    if not csrf.valid(request.session, form.get(csrf.FIELD)):
        return render(
            request, "login.html", {"next": target, "error": "The form expired; please try again."}, 400
        )
    name, password = str(form.get("username", "")), str(form.get("password", ""))
    account = None
    if 0 < len(name) <= MAX_FIELD and 0 < len(password) <= MAX_FIELD:
        account = await console(request).accounts.authenticate(name, password)
    if account is None:
        logger.info("sign-in refused for %r", name[:64])
        return render(request, "login.html", {"next": target, "error": "Wrong name or password."}, 401)
    # A new session (and CSRF token) at sign-in, so a token seen before cannot be reused.
    request.session.clear()
    request.session.update({"user": account.name, "role": account.role.value})
    csrf.token(request.session)
    logger.info("%s signed in as %s", account.name, account.role.value)
    return redirect(target)


async def logout(request: Request) -> Response:
    form = await request.form()
    if csrf.valid(request.session, form.get(csrf.FIELD)):
        request.session.clear()
    return redirect("/login")
