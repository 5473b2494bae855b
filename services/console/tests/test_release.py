"""Releasing a freeze: operators only, endorsed on the ledger, transactions back to unsettled, the merchant
told through push; and safe to press twice."""

from __future__ import annotations

import re

import pytest
from console_data import SHELL, decided
from payrisk.common.v1 import common_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
async def freeze_id(system) -> str:
    """A freeze of its own (made through the ledger's API), so this test depends on no other."""
    records = await decided(system.ingest, ["shell-9", "shell-10"])
    freeze = await system.ledger.FreezeFunds(
        ledger_pb2.FreezeFundsRequest(
            freeze_id="freeze-console-release",
            merchant_id=SHELL,
            instruction_id="instr-console-release",
            amount=common_pb2.Money(
                currency_code="CNY", minor_units=sum(r.transaction.amount.minor_units for r in records)
            ),
            transaction_ids=["shell-9", "shell-10"],
            reason="suspected merchant",
        )
    )
    return freeze.freeze.freeze_id


async def test_an_analyst_may_not_release(analyst, system, freeze_id):
    page = await analyst.get(f"/merchants/{SHELL}")
    assert "Only an operator may release" in page.text
    refused = await analyst.post(
        f"/freezes/{freeze_id}/release", data={"reason": "looks fine", "csrf_token": token(page.text)}
    )
    assert refused.status_code == 403
    freeze = (await system.ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=freeze_id))).freeze
    assert freeze.status == ledger_pb2.FREEZE_STATUS_FROZEN


async def test_an_operator_releases_on_the_ledger_and_the_merchant_is_told(operator, system, freeze_id):
    page = await operator.get(f"/merchants/{SHELL}")
    assert f'action="/freezes/{freeze_id}/release"' in page.text
    missing = await operator.post(f"/freezes/{freeze_id}/release", data={"csrf_token": token(page.text)})
    assert missing.status_code == 400
    assert "<code>reason</code>" in missing.text

    done = await operator.post(
        f"/freezes/{freeze_id}/release",
        data={"reason": "case closed: refunds", "csrf_token": token(page.text)},
    )
    assert done.status_code == 303
    freeze = (await system.ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=freeze_id))).freeze
    assert freeze.status == ledger_pb2.FREEZE_STATUS_RELEASED
    assert freeze.release_reason.startswith("case closed: refunds")
    history = (await system.ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=freeze_id))).entries
    assert [e.freeze.status for e in history] == [
        ledger_pb2.FREEZE_STATUS_FROZEN,
        ledger_pb2.FREEZE_STATUS_RELEASED,
    ]
    records = await decided(system.ingest, ["shell-9", "shell-10"])
    assert {r.settlement_status for r in records} == {common_pb2.SETTLEMENT_STATUS_UNSETTLED}
    notices = [n for n in await system.notices(SHELL) if n.kind == push_pb2.NOTIFICATION_KIND_FUNDS_RELEASED]
    assert [n.data["freeze_id"] for n in notices] == [freeze_id]

    shown = await operator.get(done.headers["location"])
    assert (
        f"Freeze {freeze_id} released on the ledger in transaction {history[-1].transaction_id}" in shown.text
    )
    assert "the merchant is notified" in shown.text

    # Pressed again (a double click, a retry): nothing changes, nobody is told twice.
    again = await operator.post(
        f"/freezes/{freeze_id}/release",
        data={"reason": "case closed: refunds", "csrf_token": token(shown.text)},
    )
    assert again.status_code == 303
    assert (
        len((await system.ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=freeze_id))).entries) == 2
    )
    notices = [n for n in await system.notices(SHELL) if n.kind == push_pb2.NOTIFICATION_KIND_FUNDS_RELEASED]
    assert len(notices) == 1
