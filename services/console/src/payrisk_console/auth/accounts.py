"""The people who may sign in, and what their role lets them do.

Analysts read everything and label transactions; operators also release freezes and activate models. Only
password hashes are kept in memory: a plain-text password from a setting or file is hashed when loaded.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..settings import ConsoleSettings
from .passwords import hash_password, is_hash, verify_password

logger = logging.getLogger("payrisk.console.accounts")


class Role(StrEnum):
    ANALYST = "analyst"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    role: Role

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR


@functools.cache
def _decoy() -> str:
    """Checked against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


class AccountBook:
    def __init__(self, entries: Iterable[tuple[Account, str]]) -> None:
        self._hashes: dict[str, tuple[Account, str]] = {}
        for account, stored in entries:
            self._hashes[account.name] = (account, stored)

    def names(self) -> list[str]:
        return sorted(self._hashes)

    def _check(self, name: str, password: str) -> Account | None:
        account, stored = self._hashes.get(name, (None, _decoy()))
        matches = verify_password(password, stored)
        return account if matches else None

    async def authenticate(self, name: str, password: str) -> Account | None:
        # scrypt is slow on purpose; keep it off the event loop.
        return await asyncio.to_thread(self._check, name, password)


def parse_accounts(text: str, source: str) -> list[tuple[Account, str]]:
    """Lines of `name role hash`; blank lines and `#` comments are skipped."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3 or parts[1] not in tuple(Role) or not is_hash(parts[2]):
            raise ValueError(f"{source}:{number}: expected `name analyst|operator scrypt$...`")
        entries.append((Account(parts[0], Role(parts[1])), parts[2]))
    return entries


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text + "\n")


def operator_secret(settings: ConsoleSettings) -> str:
    """The local operator's password or hash: the setting, else its file, else one generated on first start."""
    if settings.operator_password is not None:
        return settings.operator_password.get_secret_value()
    path = settings.operator_password_file
    if path is None:
        path = settings.generated_password_file()
        if not path.exists():
            _write_private(path, secrets.token_urlsafe(12))
            logger.warning("the operator %r has a new random password in %s", settings.operator_name, path)
    return path.read_text().strip()


def load_accounts(settings: ConsoleSettings) -> AccountBook:
    secret = operator_secret(settings)
    entries = [
        (Account(settings.operator_name, Role.OPERATOR), secret if is_hash(secret) else hash_password(secret))
    ]
    if settings.accounts_file is not None:
        entries += parse_accounts(settings.accounts_file.read_text(), str(settings.accounts_file))
    return AccountBook(entries)
