"""The payrisk command against a real ledger service."""

from __future__ import annotations

import json

import pytest
from payrisk_cli.__main__ import main
from payrisk_cli.commands import money
from payrisk_ledger.app import start
from payrisk_ledger.settings import LedgerSettings


def test_money_is_exact_in_minor_units():
    assert money("1250.50", "cny").minor_units == 125050
    assert money("1000", "JPY").minor_units == 1000
    with pytest.raises(ValueError, match="decimals"):
        money("1.005", "EUR")


@pytest.fixture
async def ledger_address(tmp_path):
    app = await start(
        LedgerSettings(database_url=f"sqlite:///{tmp_path / 'l.db'}", port=0, data_dir=tmp_path)
    )
    yield app.address
    await app.stop()


async def test_ledger_info_and_a_clear_error_for_an_unknown_freeze(ledger_address, capsys):
    import asyncio

    assert await asyncio.to_thread(main, ["--address", ledger_address, "ledger-info"]) == 0
    assert json.loads(capsys.readouterr().out)["backend"] == "embedded"
    assert await asyncio.to_thread(main, ["--address", ledger_address, "release", "nope", "closed"]) == 1
    assert "NOT_FOUND" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["--address", ledger_address, "freezes", "bad id!"]) == 1
    assert "merchant_id" in capsys.readouterr().err
