"""The fraud scenarios of the data set, by name; a transaction's scenario column indexes SCENARIOS."""

from __future__ import annotations

LEGITIMATE = ""
SHELL_MERCHANT = "shell_merchant"
CASH_OUT = "cash_out"
COMPROMISED_DEVICE = "compromised_device"
COMPROMISED_CARD = "compromised_card"
FAN_IN = "fan_in"
CYCLE = "cycle"

SCENARIOS = (LEGITIMATE, SHELL_MERCHANT, CASH_OUT, COMPROMISED_DEVICE, COMPROMISED_CARD, FAN_IN, CYCLE)
FRAUD_SCENARIOS = SCENARIOS[1:]
# How the fraud share of the data set splits over the scenarios.
SCENARIO_SHARES = {
    SHELL_MERCHANT: 0.15,
    CASH_OUT: 0.25,
    COMPROMISED_DEVICE: 0.10,
    COMPROMISED_CARD: 0.30,
    FAN_IN: 0.12,
    CYCLE: 0.08,
}


def code(scenario: str) -> int:
    return SCENARIOS.index(scenario)
