"""The embedded backend's own guarantees: a signed hash chain that shows any edit of its file."""

from __future__ import annotations

import sqlite3

from ledger_factories import anchor, records
from payrisk.ledger.v1 import ledger_pb2


async def test_editing_the_database_file_is_detected(ledger, ledger_app, ledger_settings):
    response = await anchor(ledger)
    assert ledger_app.backend.verify().valid

    database = ledger_settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE embedded_blocks SET payload = replace(payload, 'decision', 'DECISION') WHERE number = 1"
        )
        conn.execute(
            "UPDATE embedded_blocks SET payload = CAST(replace(CAST(payload AS TEXT), '\"record_count\":7', '\"record_count\":8') AS BLOB) WHERE number = 1"
        )
    verification = ledger_app.backend.verify()
    assert not verification.valid
    assert verification.broken_at == 1

    result = await ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=response.receipts[0], content=records(7)[0].content)
    )
    assert not result.valid
    assert "fails verification" in result.reason


async def test_height_counts_every_write(ledger):
    await anchor(ledger, "a")
    await anchor(ledger, "b")
    info = await ledger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    assert (info.backend, info.height) == ("embedded", 2)
