"""The push model: a topic model over bills, and what it learns per merchant, payer, tag, device and category.

Everything is a running sum, so new bills update it without recomputing the past (`learn` is incremental).
Per merchant: topic mass, tags, time bands, amount bands, place; per payer (user): topic mass, tags and amount
bands; per tag: its topic distribution; per device: the merchant it takes payments for. Requests never read the
model itself: they read the immutable `View` that `snapshot` makes after learning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from ..vocabulary import TAG_LIST
from .arrays import Floats, Ints, Rows
from .bills import BillBatch
from .documents import Documents
from .environment import AMOUNT_BANDS, BANDS, amount_bands, time_bands
from .ids import Ids
from .lda import OnlineLDA
from .names import MerchantName, MerchantTexts
from .view import View, build_view

TAGS = len(TAG_LIST)
# Bills per online update of the topic model.
LDA_BATCH = 2048


class PushModel:
    def __init__(self, topics: int) -> None:
        self.topics = topics
        self.bills = 0
        self.lda = OnlineLDA(topics)
        self.documents = Documents(topics)
        self.texts = MerchantTexts()
        self.merchants = Ids()
        self.payers = Ids()
        self.devices = Ids()
        self.mccs = Ids()
        self.tables: dict[str, Rows] = {
            "merchant_topics": Rows(topics),
            "merchant_tags": Rows(TAGS),
            "merchant_bands": Rows(len(BANDS)),
            "merchant_amounts": Rows(len(AMOUNT_BANDS)),
            "merchant_bills": Rows(None),
            "merchant_latitude": Rows(None),
            "merchant_longitude": Rows(None),
            "merchant_located": Rows(None),
            "merchant_mcc": Rows(None, np.int64),
            "payer_topics": Rows(topics, np.float32),
            "payer_tags": Rows(TAGS, np.float32),
            "payer_amounts": Rows(len(AMOUNT_BANDS), np.float32),
            "payer_bills": Rows(None, np.float32),
            "device_merchant": Rows(None, np.int64),
            "mcc_topics": Rows(topics),
        }
        self.tag_topics = np.zeros((TAGS, topics))
        self.tag_bills = np.zeros(TAGS)
        # Names already worked out, and the merchants whose texts changed since.
        self._names: dict[int, MerchantName] = {}
        self._renamed: set[int] = set()

    def _grow(self, prefix: str, rows: int) -> None:
        for name, table in self.tables.items():
            if name.startswith(prefix):
                table.ensure(rows)

    def learn(self, batch: BillBatch) -> None:
        if not len(batch):
            return
        t = self.tables
        # Each distinct value looked up once, then spread to its bills.
        merchant = self.merchants.rows(batch.merchants.values)[batch.merchants.codes]
        payer = self.payers.rows(batch.payers.values)[batch.payers.codes]
        device = self.devices.rows(batch.devices.values)[batch.devices.codes]
        mcc = self.mccs.rows(batch.mccs.values)[batch.mccs.codes]
        self._grow("merchant_", len(self.merchants))
        self._grow("payer_", len(self.payers))
        self._grow("device_", len(self.devices))
        self._grow("mcc_", len(self.mccs))

        documents = self.documents.ids(batch.documents.values)[batch.documents.codes]
        mixes = self._topic_mixes(documents)
        unique, inverse, counts = np.unique(documents, return_inverse=True, return_counts=True)
        document_mixes = np.column_stack(
            [np.bincount(inverse, weights=mixes[:, k], minlength=len(unique)) for k in range(self.topics)]
        )

        ones = np.ones(len(batch))
        bands, amounts = time_bands(batch.seconds), amount_bands(batch.amount_minor)
        t["merchant_topics"].add(merchant, mixes)
        t["merchant_bills"].add(merchant, ones)
        t["merchant_bands"].add_pairs(merchant, bands)
        t["merchant_amounts"].add_pairs(merchant, amounts)
        located = batch.located
        t["merchant_latitude"].add(merchant[located], batch.latitude[located])
        t["merchant_longitude"].add(merchant[located], batch.longitude[located])
        t["merchant_located"].add(merchant[located], ones[located])
        t["merchant_mcc"].values[merchant] = mcc
        t["mcc_topics"].add(mcc, mixes)
        t["payer_topics"].add(payer, mixes)
        t["payer_bills"].add(payer, ones)
        t["payer_amounts"].add_pairs(payer, amounts)
        t["device_merchant"].values[device] = merchant

        # Tags per document, then per merchant and payer through their bills of each document.
        owners, tags = self.documents.tag_pairs(unique)
        document_tags = sparse.csr_matrix((np.ones(len(tags)), (owners, tags)), shape=(len(unique), TAGS))
        self._add_tags("merchant_tags", merchant, inverse, document_tags)
        self._add_tags("payer_tags", payer, inverse, document_tags)
        self.tag_topics += document_tags.T @ document_mixes
        self.tag_bills += document_tags.T @ counts.astype(np.float64)

        self.texts.observe(merchant, documents)
        self._renamed.update(np.unique(merchant).tolist())
        self.bills += len(batch)

    def _topic_mixes(self, documents: Ints) -> Floats:
        """Each bill's topic mix, learning from the bills in small mini-batches: many small online updates
        find topics sooner than a few big ones."""
        mixes = np.empty((len(documents), self.topics))
        for start in range(0, len(documents), LDA_BATCH):
            part = documents[start : start + LDA_BATCH]
            unique, inverse, counts = np.unique(part, return_inverse=True, return_counts=True)
            fresh = self.lda.rng.gamma(100.0, 0.01, (len(unique), self.topics))
            inferred = self.lda.learn(
                self.documents.matrix(unique), counts.astype(np.float64), self.documents.start(unique, fresh)
            )
            self.documents.remember(unique, inferred.gamma)
            mixes[start : start + LDA_BATCH] = inferred.mixes[inverse]
        return mixes

    def _add_tags(self, table: str, rows: Ints, inverse: Ints, document_tags: sparse.csr_matrix) -> None:
        bills = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, inverse)), shape=(int(rows.max()) + 1, document_tags.shape[0])
        )
        counts = (bills @ document_tags).tocoo()
        self.tables[table].add_pairs(counts.row.astype(np.int64), counts.col.astype(np.int64), counts.data)

    def snapshot(self) -> View:
        descriptions = [key[0] for key in self.documents.keys]
        for merchant in self._renamed:
            self._names[merchant] = self.texts.name(merchant, descriptions)
        self._renamed.clear()
        names = [self._names.get(m, MerchantName("", "", ())) for m in range(len(self.merchants))]
        return build_view(self, names)

    def state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Everything needed to carry on learning, as arrays and JSON-able values (see `persist`)."""
        arrays: dict[str, Any] = {name: table.values for name, table in self.tables.items()}
        documents, document_meta = self.documents.state()
        text_merchants, text_documents, text_counts = self.texts.pairs()
        arrays |= documents | {
            "lda_lambda": self.lda.lam,
            "tag_topics": self.tag_topics,
            "tag_bills": self.tag_bills,
            "text_merchants": text_merchants,
            "text_documents": text_documents,
            "text_counts": text_counts,
        }
        meta = document_meta | {
            "topics": self.topics,
            "bills": self.bills,
            "lda_updates": self.lda.updates,
            "lda_documents": self.lda.documents,
            "merchants": self.merchants.ids,
            "payers": self.payers.ids,
            "devices": self.devices.ids,
            "mccs": self.mccs.ids,
        }
        return arrays, meta

    @classmethod
    def from_state(cls, arrays: dict[str, Any], meta: dict[str, Any]) -> PushModel:
        model = cls(int(meta["topics"]))
        model.bills = int(meta["bills"])
        model.lda.lam = np.asarray(arrays["lda_lambda"], dtype=np.float64).reshape(model.topics, -1)
        model.lda.updates = int(meta["lda_updates"])
        model.lda.documents = int(meta["lda_documents"])
        model.documents = Documents.from_state(model.topics, arrays, meta)
        model.texts = MerchantTexts.from_pairs(
            arrays["text_merchants"], arrays["text_documents"], arrays["text_counts"]
        )
        model.merchants, model.payers = Ids(meta["merchants"]), Ids(meta["payers"])
        model.devices, model.mccs = Ids(meta["devices"]), Ids(meta["mccs"])
        for name in model.tables:
            model.tables[name] = Rows.of(arrays[name])
        model.tag_topics = np.asarray(arrays["tag_topics"], dtype=np.float64)
        model.tag_bills = np.asarray(arrays["tag_bills"], dtype=np.float64)
        model._renamed = set(range(len(model.merchants)))
        return model
