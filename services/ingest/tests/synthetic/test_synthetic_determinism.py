"""The same config gives the same data set, whatever the batching; another seed gives another."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
from payrisk_ingest.synthetic import GeneratorConfig, generate, iter_transaction_batches, to_arrow

SMALL = GeneratorConfig(transactions=4_000, seed=3, days=14)


def serialised(messages) -> list[bytes]:
    return [m.SerializeToString(deterministic=True) for m in messages]


def test_the_same_seed_gives_the_same_data_set_down_to_the_signatures():
    first, second = generate(SMALL), generate(SMALL)
    for part in ("merchants", "devices", "transactions", "offline_bills", "bill_events", "labels"):
        assert serialised(getattr(first, part)) == serialised(getattr(second, part)), part
    assert first.truth == second.truth


def test_another_seed_gives_other_data_and_other_ids():
    first, other = generate(SMALL), generate(dataclasses.replace(SMALL, seed=4))
    assert serialised(first.transactions) != serialised(other.transactions)
    assert not {t.transaction_id for t in first.transactions} & {t.transaction_id for t in other.transactions}
    assert first.devices[0].public_key_pem != other.devices[0].public_key_pem


def test_batching_changes_only_the_batches():
    def table(batch_size: int) -> pa.Table:
        config = dataclasses.replace(SMALL, batch_size=batch_size)
        return pa.concat_tables(to_arrow(b) for b in iter_transaction_batches(config))

    assert table(1_000).equals(table(2_999))


def test_exactly_the_transactions_asked_for_in_time_order_and_full_batches():
    config = dataclasses.replace(SMALL, batch_size=1_500)
    batches = list(iter_transaction_batches(config))
    assert [len(b) for b in batches] == [1_500, 1_500, 1_000]
    times = [t for b in batches for t in b.columns.occurred_at_us.tolist()]
    assert times == sorted(times)
    assert config.start_us <= times[0]
    assert times[-1] < config.end_us
    assert [b.first_number for b in batches] == [0, 1_500, 3_000]
