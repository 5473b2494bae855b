"""The session: a small JSON object in a cookie signed with HMAC-SHA256, so the browser can hold it but not
change it. It carries who is signed in, their CSRF token, when it expires, and a one-time notice."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "payrisk_console"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    def __init__(self, key: bytes, max_age_seconds: int) -> None:
        self._key = key
        self.max_age = max_age_seconds

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def encode(self, session: dict[str, Any], now: float | None = None) -> str:
        data = {**session, "exp": int((now or time.time()) + self.max_age)}
        body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._sign(body)}"

    def decode(self, value: str, now: float | None = None) -> dict[str, Any]:
        """The session in `value`; empty when it is forged, damaged or expired."""
        body, _, signature = value.partition(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return {}
        try:
            data = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            return {}
        if not isinstance(data, dict) or data.pop("exp", 0) < (now or time.time()):
            return {}
        return data


class SessionMiddleware:
    """Puts the session in `scope["session"]` (Starlette's `request.session`) and writes it back when changed."""

    def __init__(self, app: ASGIApp, codec: SessionCodec, *, secure: bool) -> None:
        self.app = app
        self.codec = codec
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name == b"cookie":
                # Starlette's parser is lenient: a garbled header is just no session, never an error.
                cookies.update(cookie_parser(value.decode("latin-1")))
        original = self.codec.decode(cookies[COOKIE]) if COOKIE in cookies else {}
        scope["session"] = dict(original)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["session"] != original:
                headers = MutableHeaders(scope=message)
                attributes = f"Path=/; HttpOnly; SameSite=Lax{'; Secure' if self.secure else ''}"
                if scope["session"]:
                    value = self.codec.encode(scope["session"])
                    headers.append(
                        "Set-Cookie", f"{COOKIE}={value}; Max-Age={self.codec.max_age}; {attributes}"
                    )
                else:
                    headers.append("Set-Cookie", f"{COOKIE}=; Max-Age=0; {attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)
