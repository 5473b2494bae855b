"""Mining pieces on their own: words, bands, names, the topic model, incremental learning and saving."""

from __future__ import annotations

import numpy as np
from payrisk_push.mining import persist
from payrisk_push.mining.bills import bill_batch
from payrisk_push.mining.environment import BANDS, amount_band, time_band
from payrisk_push.mining.lda import OnlineLDA
from payrisk_push.mining.model import PushModel
from payrisk_push.mining.text import bill_tokens
from payrisk_push.vocabulary import TAG_INDEX
from push_factories import NOON, bill
from scipy import sparse

CONVENIENCE = "永和便利店(春熙路店) {} Yonghe Convenience Store (Chunxi Road) {}"
HOTPOT = "王记餐厅(徐家汇店) {} Wang's Restaurant (Xujiahui) {}"


def test_chinese_is_segmented_and_branch_names_are_left_to_the_environment():
    tokens = bill_tokens(CONVENIENCE.format("饮料", "drinks"), ("convenience", "daily"), "5499")
    assert {"永和", "便利店", "饮料", "yonghe", "convenience", "drinks"} <= set(tokens)
    assert {"tag:convenience", "tag:daily", "mcc:5499"} <= set(tokens)
    assert not {"春熙路", "chunxi"} & set(tokens)


def test_time_bands_follow_the_local_clock_and_amount_bands_a_log_scale():
    assert BANDS[time_band(NOON)] == "weekday-midday"
    assert BANDS[time_band(NOON + 3 * 86_400 + 8 * 3600)] == "weekend-evening"
    assert [amount_band(m) for m in (500, 3500, 15_000, 50_000, 500_000)] == [0, 1, 2, 3, 4]


def test_merchant_names_and_items_are_recognised_in_bilingual_bills():
    model = PushModel(topics=4)
    model.learn(bill_batch([
        bill("m-1", CONVENIENCE.format("饮料", "drinks"), ("convenience", "daily"), "5499", payer_id="a"),
        bill("m-1", CONVENIENCE.format("饮料", "drinks"), ("convenience", "daily"), "5499", payer_id="b"),
        bill("m-1", CONVENIENCE.format("便当", "bento"), ("convenience", "daily"), "5499", payer_id="c"),
    ]))  # fmt: skip
    name = model.snapshot().names[0]
    assert (name.zh, name.en) == ("永和便利店(春熙路店)", "Yonghe Convenience Store (Chunxi Road)")
    assert name.items == (("饮料", "drinks"), ("便当", "bento"))


def test_the_topic_model_finds_planted_topics():
    rng = np.random.default_rng(1)
    vocabularies = [np.arange(0, 20), np.arange(20, 40), np.arange(40, 60)]
    planted = rng.integers(0, 3, 3000)
    rows = [rng.choice(vocabularies[t], 8) for t in planted]
    counts = sparse.csr_matrix(
        (np.ones(8 * len(rows)), (np.repeat(np.arange(len(rows)), 8), np.concatenate(rows))),
        shape=(len(rows), 60),
    )
    lda = OnlineLDA(3, seed=0)
    for _ in range(3):
        for start in range(0, len(rows), 300):
            lda.learn(counts[start : start + 300], np.ones(min(300, len(rows) - start)))
    found = lda.infer(counts).mixes.argmax(axis=1)
    # Each planted topic maps to one found topic, a different one each.
    mapping = {t: np.bincount(found[planted == t], minlength=3).argmax() for t in range(3)}
    assert len(set(mapping.values())) == 3
    assert np.mean([mapping[t] == f for t, f in zip(planted, found, strict=True)]) > 0.95


def test_learning_is_incremental_and_a_saved_model_carries_on_where_it_stopped():
    first = [bill(f"m-{i % 5}", HOTPOT.format("火锅", "hotpot"), ("restaurant", "food"), "5812", payer_id=f"p-{i}")
             for i in range(40)]  # fmt: skip
    second = [bill(f"m-{i % 7}", CONVENIENCE.format("饮料", "drinks"), ("convenience", "daily"), "5499",
                   payer_id=f"p-{i}", when=NOON + 9 * 3600) for i in range(30)]  # fmt: skip
    whole = PushModel(topics=4)
    whole.learn(bill_batch(first))
    whole.learn(bill_batch(second))
    resumed = PushModel(topics=4)
    resumed.learn(bill_batch(first))
    resumed = persist.load(persist.dump(resumed))
    resumed.learn(bill_batch(second))
    a, b = whole.snapshot(), resumed.snapshot()
    assert a.bills == b.bills == 70
    assert a.merchant_ids == b.merchant_ids
    for table in ("merchant_bills", "tag_counts", "band_counts", "amount_shares"):
        assert np.array_equal(getattr(a, table), getattr(b, table)), table
    assert a.tag_bills[TAG_INDEX["restaurant"]] == 40
    assert a.users.bills[a.users.row("p-3")] == 2
    assert np.allclose(a.topic_counts.sum(axis=1), a.merchant_bills)
