"""Page plumbing: templates, who is signed in, CSRF checks, and the services a page calls."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import jinja2
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from . import display
from .auth import csrf
from .auth.accounts import Account, AccountBook, Role
from .errors import BadQuery, Forbidden, NotSignedIn, ServiceError
from .live import LiveMonitor
from .services import Services

T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[Response]]
TEMPLATES = Path(__file__).parent / "templates"
FRAGMENT_HEADER = "x-console-fragment"
MAX_FORM_FIELD = 2000


@dataclass
class Console:
    """What every page reaches: the services, the accounts, the live monitor, the templates."""

    services: Services
    accounts: AccountBook
    live: LiveMonitor
    templates: Jinja2Templates


def console(request: Request) -> Console:
    value: Console = request.app.state.console
    return value


def _context(request: Request) -> dict[str, Any]:
    session = request.scope.get("session", {})
    return {
        "account": getattr(request.state, "account", None),
        "csrf_token": csrf.token(session),
        "flash": session.pop("flash", None),
        "path": request.url.path,
    }


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters.update(
        money=display.money,
        when=display.when,
        outcome=display.outcome,
        risk_level=display.risk_level,
        fraud_label=display.fraud_label,
        settlement=display.settlement,
        transaction_type=display.transaction_type,
        channel=display.channel,
        hex=display.hex_digest,
        percent=display.percent,
        score=display.score,
        freeze_status=display.freeze_status,
        verdict=display.verdict,
        security_level=display.security_level,
        sequence_event=display.sequence_event,
        path=lambda value: quote(str(value), safe="/"),
        query=lambda values: urlencode(values),
    )
    return Jinja2Templates(env=env, context_processors=[_context])


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return console(request).templates.TemplateResponse(request, name, context, status_code=status)


def wants_fragment(request: Request) -> bool:
    """Whether the page's script asked for just the updated part (progressive enhancement)."""
    return request.headers.get(FRAGMENT_HEADER) == "1"


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def current_account(request: Request) -> Account | None:
    session = request.scope.get("session", {})
    name, role = session.get("user"), session.get("role")
    if not isinstance(name, str) or role not in tuple(Role):
        return None
    return Account(name, Role(role))


def signed_in(role: Role | None = None) -> Callable[[Endpoint], Endpoint]:
    """Pages for signed-in people (of `role` when given); a POST must also carry the session's CSRF token."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            account = current_account(request)
            if account is None:
                if request.method == "GET":
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return redirect("/login?" + urlencode({"next": target}))
                raise NotSignedIn("Your session has ended; sign in again.")
            request.state.account = account
            if request.method == "POST":
                form = await request.form()
                if not csrf.valid(request.session, form.get(csrf.FIELD)):
                    raise Forbidden(
                        "This form has expired (its security token does not match); reload the page."
                    )
                request.state.form = form
            if role is Role.OPERATOR and not account.is_operator:
                raise Forbidden(f"Only an operator may do this; {account.name} is signed in as an analyst.")
            return await endpoint(request)

        return guarded

    return decorate


def form_field(form: FormData, name: str, *, required: bool = True, choices: tuple[str, ...] = ()) -> str:
    value = form.get(name, "")
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise BadQuery.field(name, "is required")
    if len(text) > MAX_FORM_FIELD:
        raise BadQuery.field(name, f"must be at most {MAX_FORM_FIELD} characters")
    if choices and text not in choices:
        raise BadQuery.field(name, f"must be one of {', '.join(choices)}")
    return text


async def attempt(pending: Coroutine[Any, Any, T]) -> tuple[T | None, ServiceError | None]:
    """A call whose failure the page shows inline (naming the service) instead of failing the whole page."""
    try:
        return await pending, None
    except ServiceError as error:
        return None, error
