"""CSRF protection: every form carries the session's token, and every POST must send it back."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

FIELD = "csrf_token"


def token(session: dict[str, Any]) -> str:
    """The session's token, made on first use (also for the sign-in form, before anyone is signed in)."""
    value = session.get("csrf")
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(24)
        session["csrf"] = value
    return value


def valid(session: dict[str, Any], sent: object) -> bool:
    expected = session.get("csrf")
    return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)
