"""An episode: fraud that happens at a moment (a stolen card, a ring of transfers), planned before it is made."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..columns import TransactionColumns
from ..world import World


class Episode(Protocol):
    @property
    def start_us(self) -> int: ...

    @property
    def size(self) -> int: ...

    def transactions(self, world: World) -> TransactionColumns:
        """Exactly `size` transactions, none before `start_us`, within four days of it."""
        ...


class EpisodePlanner(Protocol):
    def __call__(self, world: World, rng: np.random.Generator, start_us: int, size: int) -> Episode: ...
