"""The payment environment of a bill or a push request: where (a grid cell), when (a time band), what kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# About 5 km cells: "near here" for a terminal user.
CELL_DEGREES = 0.05
# China Standard Time: when people eat, commute and shop.
LOCAL = dt.timezone(dt.timedelta(hours=8))
BANDS = ((0, "night"), (6, "morning"), (11, "midday"), (14, "afternoon"), (18, "evening"))


def time_band(epoch_seconds: float) -> str:
    local = dt.datetime.fromtimestamp(epoch_seconds, LOCAL)
    band = [name for start, name in BANDS if local.hour >= start][-1]
    return f"{'weekend' if local.weekday() >= 5 else 'weekday'}-{band}"


def cell(latitude: float, longitude: float) -> str:
    return f"{round(latitude / CELL_DEGREES)}:{round(longitude / CELL_DEGREES)}"


@dataclass(frozen=True, slots=True)
class Environment:
    cell: str
    band: str
    mcc: str

    @property
    def key(self) -> str:
        return f"{self.cell}|{self.band}"


def environment_of(latitude: float, longitude: float, epoch_seconds: float, mcc: str) -> Environment:
    return Environment(cell(latitude, longitude), time_band(epoch_seconds), mcc)
