"""Labels: every fraud transaction with its scenario, and a sample of legitimate ones (cleared cases),
each known some days after the payment, as chargebacks and case outcomes are."""

from __future__ import annotations

import numpy as np
from google.protobuf.timestamp_pb2 import Timestamp
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from .arrays import mix
from .config import DAY_US
from .scenarios import COMPROMISED_CARD, SCENARIOS
from .stream import TransactionBatch

SOURCES = {COMPROMISED_CARD: "chargeback"}
FRAUD_SOURCE = "case"
LEGITIMATE_SOURCE = "review"
MIN_DELAY_US, MAX_EXTRA_DELAY_US = 3 * DAY_US, 40 * DAY_US
_SAMPLE_SCALE = 1_000_000


def labels(batch: TransactionBatch) -> list[ingest_pb2.TransactionLabel]:
    c = batch.columns
    config = batch.world.config
    # Hashed from the position in the stream, so labels do not depend on how the stream is batched.
    hashed = mix(batch.numbers, config.seed + 2)
    fraud = c.scenario > 0
    sampled = ~fraud & (hashed % _SAMPLE_SCALE < config.legitimate_label_share * _SAMPLE_SCALE)
    labeled_at = c.occurred_at_us + MIN_DELAY_US + hashed % MAX_EXTRA_DELAY_US
    ids = batch.transaction_ids
    result = []
    for i in np.flatnonzero(fraud | sampled).tolist():
        scenario = SCENARIOS[int(c.scenario[i])]
        when = Timestamp()
        when.FromMicroseconds(int(labeled_at[i]))
        result.append(
            ingest_pb2.TransactionLabel(
                transaction_id=ids[i],
                label=common_pb2.FRAUD_LABEL_FRAUD if scenario else common_pb2.FRAUD_LABEL_LEGITIMATE,
                source=SOURCES.get(scenario, FRAUD_SOURCE) if scenario else LEGITIMATE_SOURCE,
                scenario=scenario,
                labeled_at=when,
            )
        )
    return result
