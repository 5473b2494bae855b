"""The risk service's settings (environment variables prefixed PAYRISK_RISK_).

Defaults are explained where they are not obvious; the README's risk section has the reasoning at length.
"""

from __future__ import annotations

from payrisk_runtime import ServiceSettings
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

# The legal forms of the merchants payrisk expects to settle with; anything else needs a closer look.
ACCEPTED_REGISTRATION_TYPES = [
    "company",
    "individual",
    "partnership",
    "cooperative",
    "foreign_representative_office",
    "sole_proprietorship",
]


class RiskSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYRISK_RISK_", extra="ignore")

    port: int = Field(default=50052, ge=0, le=65535)
    # The services risk calls; what needs one answers FAILED_PRECONDITION while its address is empty.
    ingest_address: str = ""
    ledger_address: str = ""
    push_address: str = ""
    # Deadline of each call to another service.
    call_deadline_seconds: float = Field(default=5.0, gt=0)

    # --- scoring ---
    # Fraud probabilities at or above these are reviewed by an analyst / declined outright. New models are
    # stamped with the values current when they are trained.
    review_threshold: float = Field(default=0.3, gt=0, lt=1)
    decline_threshold: float = Field(default=0.8, gt=0, lt=1)
    # Reasons (per-feature contributions) per explained decision.
    reasons: int = Field(default=3, ge=0, le=20)
    # Contributions cost about as much as 300 predictions each; approvals are not explained unless asked.
    explain_approved: bool = False
    max_batch_size: int = Field(default=10_000, gt=0)
    # Serve through treelite/tl2cgen compiled code when the model has it (verified identical on load).
    compiled_inference: bool = True
    # The acquirer's local clock, for time-of-day and weekend features (China Standard Time by default).
    local_utc_offset_hours: float = Field(default=8.0, ge=-12, le=14)

    # --- online feature state: entities (payers, cards, merchants, devices, payees; about 1 KB each) and
    # relations (payer-merchant, card-device, payer-payee, payer-IP pairs; about 0.2 KB each) remembered;
    # beyond, the least recently seen are forgotten. Size them above what is active in 30 days.
    entity_capacity: int = Field(default=300_000, gt=0)
    relation_capacity: int = Field(default=500_000, gt=0)
    # Transaction ids remembered so that a transaction scored twice is counted once (8 bytes each).
    seen_capacity: int = Field(default=4_000_000, gt=0)
    # At start, the last days of transactions are replayed from ingest into the feature state; 0: off.
    warm_up_days: int = Field(default=30, ge=0, le=90)

    # --- training ---
    delay_days: int = Field(default=7, ge=0, le=90)
    test_days: int = Field(default=7, ge=1, le=90)
    trees: int = Field(default=200, ge=1, le=5000)
    leaves: int = Field(default=15, ge=2, le=1024)
    learning_rate: float = Field(default=0.05, gt=0, le=1)
    train_threads: int = Field(default=1, ge=1)
    # Chargebacks label fraud; most legitimate payments are never labelled. Count them as legitimate.
    unlabeled_as_legitimate: bool = True
    # With no model at all, train one on generated data at start so that scoring works out of the box.
    bootstrap_model: bool = True
    bootstrap_transactions: int = Field(default=60_000, ge=5_000)

    # --- merchant risk ---
    merchant_window_days: int = Field(default=30, ge=1, le=366)
    registration_radius_meters: float = Field(default=1_000.0, gt=0)
    # Fewer other registered merchants than this within the radius: an isolated (remote or virtual) address.
    isolated_below: int = Field(default=1, ge=0)
    # More than this: an address shared by many registrations; 0 turns the check off.
    crowded_above: int = Field(default=50, ge=0)
    # Registered capital under this (minor units of the merchant's currency) is thin for a real business.
    capital_threshold_minor: int = Field(default=5_000_000, ge=0)
    accepted_registration_types: list[str] = Field(default_factory=lambda: list(ACCEPTED_REGISTRATION_TYPES))
    # Weights of the registration factors; they sum to 1 so the score is a share of the evidence.
    weight_address: float = Field(default=0.4, ge=0)
    weight_capital: float = Field(default=0.3, ge=0)
    weight_registration_type: float = Field(default=0.3, ge=0)
    # Weights of the indicators over the window.
    # Transfers and withdrawals are the whole business of wallets and ATMs, so their share weighs little; fees
    # and the model say the most.
    weight_risky_type: float = Field(default=0.1, ge=0)
    weight_amount_range: float = Field(default=0.2, ge=0)
    weight_fee_rate: float = Field(default=0.35, ge=0)
    weight_model: float = Field(default=0.35, ge=0)
    # Share of transfers/withdrawals/cash-outs from which the indicator starts to count, and where it is full.
    risky_type_ratio_low: float = Field(default=0.3, ge=0, le=1)
    risky_type_ratio_high: float = Field(default=0.8, ge=0, le=1)
    # Largest minus smallest amount in the window (minor units) at which the range counts fully.
    amount_range_minor: int = Field(default=3_000_000, gt=0)
    # A single amount at or above this flags the transaction.
    large_amount_minor: int = Field(default=2_000_000, gt=0)
    # The band of normal fee rates (fee / amount); outside it a transaction's fee is abnormal.
    fee_rate_min: float = Field(default=0.0005, ge=0)
    fee_rate_max: float = Field(default=0.012, ge=0)
    # Below this amount a fee of a few cents is all rounding: such payments say nothing about fee rates.
    fee_min_amount_minor: int = Field(default=10_000, ge=0)
    # Share of abnormal fees / of model-flagged transactions at which the indicator counts fully.
    abnormal_fee_share_full: float = Field(default=0.25, gt=0, le=1)
    model_flagged_share_full: float = Field(default=0.2, gt=0, le=1)
    # Scores in [0, 1] map to levels at these cut points: LOW below the first, then MEDIUM, HIGH, CRITICAL.
    level_cuts: list[float] = Field(default_factory=lambda: [0.25, 0.5, 0.75])
    # How much each level weighs when the two are combined (1 - (1 - wr*r)(1 - wi*i)): registration facts
    # alone make a merchant suspected only when all of them point the same way.
    weight_registration_level: float = Field(default=0.6, ge=0, le=1)
    weight_indicator_level: float = Field(default=1.0, ge=0, le=1)
    # A combined score at or above this makes the merchant suspected.
    suspect_score: float = Field(default=0.5, gt=0, le=1)
    # Most transactions one assessment reads from ingest.
    max_assessed_transactions: int = Field(default=50_000, gt=0)

    # --- settlement review ---
    # How often freezes the ledger has not confirmed, and notices push has not taken, are retried.
    retry_interval_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> RiskSettings:
        if self.review_threshold >= self.decline_threshold:
            raise ValueError("review_threshold must be below decline_threshold")
        if self.risky_type_ratio_low >= self.risky_type_ratio_high:
            raise ValueError("risky_type_ratio_low must be below risky_type_ratio_high")
        if self.fee_rate_min >= self.fee_rate_max:
            raise ValueError("fee_rate_min must be below fee_rate_max")
        if len(self.level_cuts) != 3 or sorted(self.level_cuts) != self.level_cuts:
            raise ValueError("level_cuts must be three increasing numbers")
        return self
