"""What ranking reads: an immutable snapshot of the model, with its arrays ready for the hot path.

Requests never see the model half-way through learning: the miner builds a new view after each run and swaps
it in with one assignment.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from ..vocabulary import TAG_LIST
from .arrays import AnyFloats, Floats, Floats32, Ints
from .candidates import Candidates, MerchantTables, weigh
from .environment import AMOUNT_BANDS, BANDS, unit_vectors
from .ids import Ids
from .names import MerchantName

if TYPE_CHECKING:
    from .model import PushModel

# Candidates for one place: the nearest merchants, at most this many, within this distance (but never fewer
# than MIN_CANDIDATES, however far: a request from a remote town still gets the nearest merchants).
MAX_CANDIDATES = 500
MIN_CANDIDATES = 50
RADIUS_KM = 25.0
# Requests within one cell of this size share their candidates (about 5 km); so many cells are kept.
CELL_DEGREES = 0.05
CACHED_CELLS = 1024
EARTH_KM = 6371.0
# Merchants kept per topic, best first: its ranked push objects.
OBJECTS_PER_TOPIC = 100
WORDS_PER_TOPIC = 10
# How a request's interest splits between the evidence of tags (bills carrying them) and of topics.
TAG_SHARE = 0.6


@dataclass(frozen=True)
class Users:
    """Per payer (user), what their own bills say about them."""

    ids: Ids
    # Their interest over the evidence columns (see `wanted`), and their amount bands as a distribution.
    wanted: Floats
    amounts: Floats
    bills: Floats32

    def row(self, user_id: str) -> int | None:
        row = self.ids.row(user_id) if user_id else None
        # Payers first seen after this view was made are not in its arrays.
        return row if row is not None and row < len(self.bills) and self.bills[row] > 0 else None


@dataclass(frozen=True)
class View:
    topics: int
    bills: int
    merchant_ids: list[str]
    merchant_rows: Ids
    names: list[MerchantName]
    mccs: list[str]
    topic_counts: Floats32
    # Unit-length topic mixes, for likeness between merchants.
    mixes: Floats32
    tag_counts: Floats32
    # Bills per tag then topic mass: the columns a request's interest weighs.
    evidence: Floats32
    band_counts: Floats32
    # (band, merchant): sqrt of the share of the merchant's bills in the band against an even spread.
    band_lifts: Floats32
    # (merchant, amount band): share of the merchant's bills in each amount band (smoothed).
    amount_shares: Floats32
    merchant_bills: Floats32
    # NaN where no bill of the merchant had a geo point.
    latitude: Floats
    longitude: Floats
    tag_mixes: Floats
    tag_bills: Floats
    tag_bill_counts: dict[str, float]
    # Interest over the evidence columns of each tag: the tag itself and its topic distribution.
    tag_wanted: Floats
    # Per category code, what payers who pay at such merchants pay for: their tags, and the code's topics.
    mcc_wanted: dict[str, Floats]
    users: Users
    devices: Ids
    device_merchant: Ints
    # Per topic, its merchants best first; and its most probable words.
    topic_objects: Ints
    topic_words: list[list[str]]
    topic_weights: Floats
    # Each merchant's title, or its id when it has none: English ones, then Chinese ones.
    titles: tuple[list[str], list[str]]
    _tree: cKDTree | None = field(repr=False)
    _located: Ints = field(repr=False)
    _tables: MerchantTables = field(repr=False)
    _places: OrderedDict[tuple[int, int] | None, Candidates] = field(default_factory=OrderedDict, repr=False)
    # What ranking derives from the view alone, again and again (the view never changes, so neither does it):
    # per set of request tags, the known ones and their interest (see ranking.interest).
    tag_interests: dict[frozenset[str], tuple[frozenset[str], Floats | None]] = field(
        default_factory=dict, repr=False
    )

    @property
    def merchants(self) -> int:
        return len(self.merchant_ids)

    def merchant_row(self, merchant_id: str) -> int | None:
        row = self.merchant_rows.row(merchant_id)
        return row if row is not None and row < self.merchants else None

    def merchant_of_device(self, device_id: str) -> int | None:
        row = self.devices.row(device_id) if device_id else None
        return int(self.device_merchant[row]) if row is not None and row < len(self.device_merchant) else None

    def candidates(self, place: tuple[float, float] | None) -> Candidates:
        """The merchants worth ranking near a place (cached per ~5 km cell), or anywhere when there is none."""
        key = (round(place[0] / CELL_DEGREES), round(place[1] / CELL_DEGREES)) if place is not None else None
        found = self._places.get(key)
        if found is None:
            found = self._weigh(key)
            self._places[key] = found
            if len(self._places) > CACHED_CELLS:
                self._places.popitem(last=False)
        else:
            self._places.move_to_end(key)
        return found

    def _weigh(self, key: tuple[int, int] | None) -> Candidates:
        if key is None or self._tree is None:
            return weigh(self._anywhere(), None, self._tables)
        centre = (key[0] * CELL_DEGREES, key[1] * CELL_DEGREES)
        wanted = min(MAX_CANDIDATES, len(self._located))
        distances, positions = self._tree.query(
            unit_vectors(np.array([centre[0]]), np.array([centre[1]]))[0], k=wanted
        )
        distances, positions = np.atleast_1d(distances), np.atleast_1d(positions)
        within = distances <= 2 * np.sin(RADIUS_KM / EARTH_KM / 2)
        within[:MIN_CANDIDATES] = True
        rows: Ints = self._located[positions[within]]
        return weigh(rows, centre, self._tables)

    def _anywhere(self) -> Ints:
        if self.merchants <= MAX_CANDIDATES:
            return np.arange(self.merchants)
        popular = np.argsort(-self.merchant_bills)[: MAX_CANDIDATES // 2]
        rows: Ints = np.union1d(self.topic_objects.ravel(), popular)[:MAX_CANDIDATES]
        return rows


def build_view(model: PushModel, names: list[MerchantName]) -> View:
    t = model.tables
    f32 = np.float32
    topic_counts = t["merchant_topics"].values.astype(f32)
    tag_counts = t["merchant_tags"].values.astype(f32)
    norms = np.linalg.norm(topic_counts, axis=1, keepdims=True)
    located_count = t["merchant_located"].values
    with np.errstate(invalid="ignore", divide="ignore"):
        latitude = t["merchant_latitude"].values / located_count
        longitude = t["merchant_longitude"].values / located_count
        tag_mixes = model.tag_topics / model.tag_topics.sum(axis=1, keepdims=True)
    located = np.flatnonzero(located_count > 0)
    tree = cKDTree(unit_vectors(latitude[located], longitude[located])) if len(located) else None
    mcc_topics = t["mcc_topics"].values
    bands, amounts, bills = (t[n].values for n in ("merchant_bands", "merchant_amounts", "merchant_bills"))
    merchant_mcc = t["merchant_mcc"].values
    mcc_tags = np.zeros((len(model.mccs), tag_counts.shape[1]))
    np.add.at(mcc_tags, merchant_mcc, tag_counts)
    payer_tags = t["payer_tags"].values.astype(np.float64)
    # Row t: the tags of the bills of payers, weighted by how much each payer pays for t.
    together = payer_tags.T @ payer_tags
    together /= np.maximum(together.sum(axis=1, keepdims=True), 1e-12)
    topic_words = model.lda.topic_words() if model.lda.words else np.zeros((model.topics, 0))
    words = list(model.documents.words)
    merchant_ids = list(model.merchants.ids)
    evidence = np.hstack([tag_counts, topic_counts])
    band_counts = bands.astype(f32)
    band_lifts = np.ascontiguousarray(
        np.sqrt((bands + 1) / (bills[:, None] + len(BANDS)) * len(BANDS)).T, dtype=f32
    )
    amount_shares = ((amounts + 1) / (bills[:, None] + len(AMOUNT_BANDS))).astype(f32)
    mixes = (topic_counts / np.where(norms == 0, 1, norms)).astype(f32)
    latitude = np.where(located_count > 0, latitude, np.nan)
    longitude = np.where(located_count > 0, longitude, np.nan)
    return View(
        topics=model.topics,
        bills=model.bills,
        merchant_ids=merchant_ids,
        merchant_rows=model.merchants,
        names=names,
        mccs=[model.mccs.ids[i] for i in merchant_mcc],
        topic_counts=topic_counts,
        mixes=mixes,
        tag_counts=tag_counts,
        evidence=evidence,
        band_counts=band_counts,
        band_lifts=band_lifts,
        amount_shares=amount_shares,
        merchant_bills=bills.astype(f32),
        latitude=latitude,
        longitude=longitude,
        tag_mixes=np.nan_to_num(tag_mixes),
        tag_bills=model.tag_bills.copy(),
        tag_bill_counts=dict(zip(TAG_LIST, model.tag_bills.tolist(), strict=True)),
        tag_wanted=wanted(np.eye(len(TAG_LIST)), np.nan_to_num(tag_mixes)),
        mcc_wanted={
            code: wanted((mcc_tags[i] / mcc_tags[i].sum()) @ together, mcc_topics[i] / mcc_topics[i].sum())
            for i, code in enumerate(model.mccs.ids)
            if mcc_tags[i].sum() > 0 and mcc_topics[i].sum() > 0
        },
        users=Users(
            ids=model.payers,
            wanted=wanted(_distributions(t["payer_tags"].values), _distributions(t["payer_topics"].values)),
            amounts=_distributions(t["payer_amounts"].values),
            bills=t["payer_bills"].values.copy(),
        ),
        devices=model.devices,
        device_merchant=t["device_merchant"].values.copy(),
        topic_objects=np.argsort(-topic_counts, axis=0)[:OBJECTS_PER_TOPIC].T.copy(),
        topic_words=[[words[w] for w in np.argsort(-row)[:WORDS_PER_TOPIC]] for row in topic_words],
        topic_weights=topic_counts.sum(axis=0).astype(np.float64),
        titles=(
            [n.title(False) or m for n, m in zip(names, merchant_ids, strict=True)],
            [n.title(True) or m for n, m in zip(names, merchant_ids, strict=True)],
        ),
        _tree=tree,
        _located=located,
        _tables=MerchantTables(evidence, band_counts, latitude, longitude, band_lifts, amount_shares, mixes),
    )


def wanted(tags: Floats, topics: Floats) -> Floats:
    """Interest over the evidence columns from distributions over tags and over topics (rows or vectors)."""
    fused: Floats = np.concatenate([TAG_SHARE * tags, (1 - TAG_SHARE) * topics], axis=-1)
    return fused


def _distributions(counts: AnyFloats) -> Floats:
    totals = counts.sum(axis=1, keepdims=True)
    rows: Floats = counts / np.where(totals > 0, totals, 1).astype(np.float64)
    return rows
