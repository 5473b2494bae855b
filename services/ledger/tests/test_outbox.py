"""Anchors survive a ledger that is down and a service restart, and are committed exactly once."""

from __future__ import annotations

import asyncio

import pytest
from payrisk_ledger.app import MIGRATIONS
from payrisk_ledger.embedded import EmbeddedLedger
from payrisk_ledger.embedded.chain import load_or_create_key
from payrisk_ledger.errors import LedgerUnavailable
from payrisk_ledger.model import Anchor, AnchoredBatch
from payrisk_ledger.outbox import AnchorOutbox
from payrisk_runtime import create_db_engine, migrate


class LedgerThatFailsFirst:
    """The real embedded ledger behind a link that fails the first writes, or commits but loses the answer."""

    def __init__(self, real: EmbeddedLedger, failures: int, lose_answer: bool = False) -> None:
        self.real = real
        self.failures = failures
        self.lose_answer = lose_answer

    async def anchor(self, anchor: Anchor) -> AnchoredBatch:
        if self.failures:
            self.failures -= 1
            if self.lose_answer:
                await self.real.anchor(anchor)
            raise LedgerUnavailable("peer unreachable")
        return await self.real.anchor(anchor)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def engine(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    migrate(engine, MIGRATIONS)
    yield engine
    engine.dispose()


@pytest.fixture
def embedded(engine, tmp_path):
    return EmbeddedLedger(engine, load_or_create_key(tmp_path / "key.pem"))


ANCHOR = Anchor("batch-1", "decision", "ab" * 32, 10)


async def test_an_anchor_the_ledger_refused_is_kept_and_committed_by_the_retry(engine, embedded):
    outbox = AnchorOutbox(engine, LedgerThatFailsFirst(embedded, failures=2))
    with pytest.raises(LedgerUnavailable):
        await outbox.commit(ANCHOR)
    assert [a.batch_id for a in outbox.pending()] == ["batch-1"]
    assert await outbox.retry_pending() == 0  # still down
    assert await outbox.retry_pending() == 1
    assert outbox.pending() == []
    assert (await embedded.info()).height == 1


async def test_a_commit_whose_answer_was_lost_is_not_committed_twice(engine, embedded):
    outbox = AnchorOutbox(engine, LedgerThatFailsFirst(embedded, failures=1, lose_answer=True))
    with pytest.raises(LedgerUnavailable):
        await outbox.commit(ANCHOR)
    assert await outbox.retry_pending() == 1
    assert (await embedded.info()).height == 1
    assert (await embedded.get_anchor("batch-1")).anchor.merkle_root == ANCHOR.merkle_root


async def test_pending_anchors_survive_a_restart(engine, embedded, tmp_path):
    down = AnchorOutbox(engine, LedgerThatFailsFirst(embedded, failures=100))
    with pytest.raises(LedgerUnavailable):
        await down.commit(ANCHOR)
    # A new process: a new outbox over the same database, the ledger reachable again.
    restarted = AnchorOutbox(engine, embedded)
    task = asyncio.create_task(restarted.run(0.05))
    for _ in range(50):
        if not restarted.pending():
            break
        await asyncio.sleep(0.05)
    task.cancel()
    assert restarted.pending() == []
    assert await embedded.get_anchor("batch-1") is not None
