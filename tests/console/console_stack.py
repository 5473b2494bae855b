"""What the browser suite shares: the accounts it signs in with, the running system, Chromium's flags."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console_data import World

CHROMIUM = Path("/usr/bin/chromium")
# Flags for a headless Chromium on a machine with no network beyond loopback (and as root, in CI).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
OPERATOR = ("operator", "browser-operator-password")
ANALYST = ("analyst", "browser-analyst-password")


@dataclass(frozen=True)
class Running:
    addresses: dict[str, str]
    console_url: str
    world: World
