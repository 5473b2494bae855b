"""What the generator knows and the data only hints at: who prefers what, and who the fraudsters are."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import CATEGORIES, FEN, MEDIAN_YUAN
from .fraud.compromised_card import CompromisedCard
from .fraud.compromised_device import CompromisedDevice
from .fraud.cycle import Cycle
from .fraud.fan_in import FanIn
from .habits import ARCHETYPE_PROFILES, active_hours
from .merchants import Role
from .places import PLACES
from .plan import Plan, make_plan
from .world import World


@dataclass(frozen=True, slots=True)
class PayerProfile:
    payer_id: str
    card_ids: tuple[str, ...]
    home_city: str
    home_latitude: float
    home_longitude: float
    # Business tags of the categories the payer prefers, most preferred first.
    preferred_categories: tuple[str, ...]
    # Typical amount of one purchase in each preferred category, in fen.
    usual_amounts_minor: tuple[int, ...]
    # Local hours when the payer is most active.
    active_hours: tuple[int, ...]


@dataclass(frozen=True)
class GroundTruth:
    payers: tuple[PayerProfile, ...]
    shell_merchants: tuple[str, ...]
    cash_out_merchants: tuple[str, ...]
    compromised_cards: tuple[str, ...]
    compromised_devices: tuple[str, ...]
    # Payers that many others sent money to within hours.
    fan_in_payees: tuple[str, ...]
    # Payers in ring order: each paid the next, the last the first.
    cycles: tuple[tuple[str, ...], ...]

    @property
    def preferred_categories(self) -> dict[str, tuple[str, ...]]:
        return {p.payer_id: p.preferred_categories for p in self.payers}


def _profile(world: World, payer: int) -> PayerProfile:
    p = world.payers
    preferred = [int(c) for c in p.preferred[payer]]
    first = int(p.card_first[payer])
    return PayerProfile(
        payer_id=p.ids[payer],
        card_ids=tuple(p.card_ids[first : first + int(p.card_count[payer])]),
        home_city=PLACES[int(p.place[payer])].name_en,
        home_latitude=float(p.latitude[payer]),
        home_longitude=float(p.longitude[payer]),
        preferred_categories=tuple(CATEGORIES[c].tag for c in preferred),
        usual_amounts_minor=tuple(round(MEDIAN_YUAN[c] * p.amount_scale[payer] * FEN) for c in preferred),
        active_hours=active_hours(ARCHETYPE_PROFILES[int(p.archetype[payer])]),
    )


def ground_truth(world: World, plan: Plan | None = None) -> GroundTruth:
    episodes = (plan or make_plan(world)).episodes
    m, payers = world.merchants, world.payers
    return GroundTruth(
        payers=tuple(_profile(world, i) for i in range(len(payers))),
        shell_merchants=tuple(m.ids[i] for i in m.with_role(Role.SHELL)),
        cash_out_merchants=tuple(m.ids[i] for i in m.with_role(Role.CASH_OUT)),
        compromised_cards=tuple(payers.card_ids[e.card] for e in episodes if isinstance(e, CompromisedCard)),
        compromised_devices=tuple(
            world.devices.ids[e.device] for e in episodes if isinstance(e, CompromisedDevice)
        ),
        fan_in_payees=tuple(payers.ids[e.payee] for e in episodes if isinstance(e, FanIn)),
        cycles=tuple(tuple(payers.ids[p] for p in e.ring) for e in episodes if isinstance(e, Cycle)),
    )
