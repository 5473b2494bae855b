"""A first model, trained on generated data, for a system that has none yet.

    python -m payrisk_risk.bootstrap [--transactions 60000] [--seed 11]

trains one into the risk service's data directory (PAYRISK_RISK_DATA_DIR) and makes it the active model;
the service does the same by itself at start when it finds no model (PAYRISK_RISK_BOOTSTRAP_MODEL). The
data comes from ingest's synthetic generator: merchants, payers, cards and terminals with months of
payments and every fraud scenario of the design labelled. The same command and seed give the same model.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import numpy as np

from .features import Columns, columns_from_transactions
from .model.artefact import ModelMeta
from .model.lifecycle import Labels, ModelLifecycle, TrainingPlan

logger = logging.getLogger("payrisk.risk.bootstrap")
DEFAULT_SEED = 11


def synthetic_batches(transactions: int, seed: int) -> Iterator[tuple[Columns, Labels]]:
    """Generated transactions in time order with their labels (unlabelled: 0)."""
    try:
        from payrisk_ingest.synthetic import GeneratorConfig, iter_batches
    except ImportError as error:
        raise RuntimeError("a bootstrap model needs the synthetic generator of payrisk-ingest") from error
    config = GeneratorConfig(transactions=transactions, seed=seed, id_prefix=f"boot{seed}")
    for batch in iter_batches(config):
        label_of = {label.transaction_id: int(label.label) for label in batch.labels}
        cols = columns_from_transactions(batch.messages)
        yield cols, np.array([label_of.get(t, 0) for t in cols.transaction_id], dtype=np.int64)


async def _in_thread(batches: Iterator[tuple[Columns, Labels]]) -> AsyncIterator[tuple[Columns, Labels]]:
    # Generating is CPU work: each batch is made in a worker thread, away from the event loop.
    done = object()
    while True:
        item = await asyncio.to_thread(next, batches, done)
        if item is done:
            return
        yield item  # type: ignore[misc]


async def bootstrap(
    lifecycle: ModelLifecycle, transactions: int, plan: TrainingPlan, seed: int = DEFAULT_SEED
) -> ModelMeta:
    logger.info("no model yet: training one on %d generated transactions", transactions)
    meta = await lifecycle.train(_in_thread(synthetic_batches(transactions, seed)), plan)
    logger.info("bootstrap model %s is ready", meta.version)
    return meta


def main() -> None:
    from .app import build_lifecycle
    from .settings import RiskSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = RiskSettings()
    lifecycle, _ = build_lifecycle(settings)
    plan = TrainingPlan(settings.delay_days, settings.test_days, activate=True)
    meta = asyncio.run(
        bootstrap(lifecycle, args.transactions or settings.bootstrap_transactions, plan, args.seed)
    )
    m = meta.metrics
    print(
        f"model {meta.version} is active in {lifecycle.registry.root}\n"
        f"  ROC AUC {m['roc_auc']:.4f} (baseline {m['baseline_roc_auc']:.4f})   "
        f"average precision {m['average_precision']:.4f} (baseline {m['baseline_average_precision']:.4f})   "
        f"card precision@100 {m['card_precision_at_100']:.4f} (baseline {m['baseline_card_precision_at_100']:.4f})"
    )


if __name__ == "__main__":
    main()
