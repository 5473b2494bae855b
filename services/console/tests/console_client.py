"""Helpers for the console's tests: accounts, a console on a real socket, signing in over HTTP."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from payrisk_console.app import build_app
from payrisk_console.auth.accounts import Account, AccountBook, Role
from payrisk_console.auth.passwords import hash_password
from payrisk_console.server import ConsoleServer
from payrisk_console.settings import ConsoleSettings

OPERATOR, ANALYST = ("olga", "operator-password"), ("ana", "analyst-password")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accounts() -> AccountBook:
    # A cheap scrypt cost: the tests sign in often, and the hash's strength is not what they test.
    return AccountBook(
        [
            (Account(OPERATOR[0], Role.OPERATOR), hash_password(OPERATOR[1], n=2**10)),
            (Account(ANALYST[0], Role.ANALYST), hash_password(ANALYST[1], n=2**10)),
        ]
    )


def console_settings(tmp_path: Path, addresses: dict[str, str], **overrides: object) -> ConsoleSettings:
    values: dict[str, object] = {
        "port": 0,
        "data_dir": tmp_path,
        "ingest_address": addresses["ingest"],
        "risk_address": addresses["risk"],
        "ledger_address": addresses["ledger"],
        "push_address": addresses["push"],
        "session_secret": "test-session-secret",
        "call_deadline_seconds": 10.0,
    }
    values.update(overrides)
    return ConsoleSettings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_console(settings: ConsoleSettings) -> AsyncIterator[str]:
    server = ConsoleServer(build_app(settings, accounts()), settings)
    url = await server.start()
    try:
        yield url
    finally:
        await server.stop()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, who: tuple[str, str]) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"username": who[0], "password": who[1], "csrf_token": csrf_of(page.text), "next": "/queue"},
    )
