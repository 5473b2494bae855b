"""Synthetic payment data for payrisk: merchants, devices with keys, payers, online and offline
transactions with the fraud scenarios of the design injected and labelled, signed offline bills, and the
ground truth behind them. Deterministic from the seed.

    data = generate(GeneratorConfig(transactions=20_000, seed=7))      # all in memory
    for batch in iter_transaction_batches(GeneratorConfig(transactions=10_000_000)):   # streamed
        writer.write(batch)
"""

from .bills import BillSigner, SignedBills
from .config import GeneratorConfig
from .dataset import SyntheticBatch, SyntheticData, generate, iter_batches, registrations
from .labels import labels
from .loading import Loader, LoadSummary
from .scenarios import FRAUD_SCENARIOS, SCENARIOS
from .stream import TransactionBatch, iter_transaction_batches
from .table import TransactionWriter, to_arrow, to_rows
from .truth import GroundTruth, PayerProfile, ground_truth
from .world import World, build_world

__all__ = [
    "FRAUD_SCENARIOS",
    "SCENARIOS",
    "BillSigner",
    "GeneratorConfig",
    "GroundTruth",
    "LoadSummary",
    "Loader",
    "PayerProfile",
    "SignedBills",
    "SyntheticBatch",
    "SyntheticData",
    "TransactionBatch",
    "TransactionWriter",
    "World",
    "build_world",
    "generate",
    "ground_truth",
    "iter_batches",
    "iter_transaction_batches",
    "labels",
    "registrations",
    "to_arrow",
    "to_rows",
]
