"""Valid messages for risk's tests, with overridable fields, and a small trained model shared by the session."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from payrisk.common.v1 import common_pb2
from payrisk_risk.app import build_lifecycle
from payrisk_risk.bootstrap import bootstrap
from payrisk_risk.model.lifecycle import TrainingPlan
from payrisk_risk.model.registry import ACTIVE_FILE
from payrisk_risk.settings import RiskSettings

NOW = int(time.time())
HOUR = 3600
DAY = 86_400


def transaction(n: int = 1, **overrides: Any) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        transaction_id=overrides.pop("transaction_id", f"tx-{n}"),
        merchant_id=overrides.pop("merchant_id", "m-1"),
        payer_id=overrides.pop("payer_id", f"payer-{n % 7}"),
        device_id=overrides.pop("device_id", "dev-1"),
        card_id=overrides.pop("card_id", f"card-{n % 5}"),
        amount=common_pb2.Money(currency_code="CNY", minor_units=overrides.pop("amount", 1000 + n)),
        fee=common_pb2.Money(currency_code="CNY", minor_units=overrides.pop("fee", 6)),
        type=overrides.pop("type", common_pb2.TRANSACTION_TYPE_PURCHASE),
        channel=overrides.pop("channel", common_pb2.CHANNEL_ONLINE),
        ip_address="10.1.2.3",
        business_tags=["food"],
        merchant_category_code="5812",
    )
    tx.location.point.latitude, tx.location.point.longitude = 31.23, 121.47
    tx.occurred_at.FromSeconds(overrides.pop("occurred_at", NOW - 3600 + n))
    for key, value in overrides.items():
        setattr(tx, key, value)
    return tx


def merchant(
    merchant_id: str = "m-1", lat: float = 31.23, lon: float = 121.47, **overrides: Any
) -> common_pb2.Merchant:
    m = common_pb2.Merchant(
        merchant_id=merchant_id,
        name="上海小吃 Shanghai Snacks",
        registered_location=common_pb2.Location(
            country_code="CN", city="Shanghai", point=common_pb2.GeoPoint(latitude=lat, longitude=lon)
        ),
        registered_capital=common_pb2.Money(
            currency_code="CNY", minor_units=overrides.pop("capital", 50_000_000)
        ),
        registration_type=overrides.pop("registration_type", "company"),
        merchant_category_code="5812",
    )
    for key, value in overrides.items():
        setattr(m, key, value)
    return m


async def train_small_model(data_dir: Path, transactions: int = 20_000, trees: int = 40) -> str:
    """Trains a model on generated data into `data_dir/models` (as the service would) and returns its version."""
    settings = RiskSettings(data_dir=data_dir, trees=trees, bootstrap_model=False)
    lifecycle, _ = build_lifecycle(settings)
    plan = TrainingPlan(settings.delay_days, settings.test_days, activate=True)
    meta = await bootstrap(lifecycle, transactions, plan, seed=5)
    return meta.version


def install_model(source: Path, data_dir: Path) -> None:
    """Copies a trained models directory (with its ACTIVE marker) into a service's data directory."""
    shutil.copytree(source / "models", data_dir / "models", dirs_exist_ok=True)
    assert (data_dir / "models" / ACTIVE_FILE).exists()


def risk_settings_for(tmp_path: Path, database_url: str = "", **overrides: object) -> RiskSettings:
    values: dict[str, object] = {
        "database_url": database_url or f"sqlite:///{tmp_path / 'risk.db'}",
        "port": 0,
        "data_dir": tmp_path,
        "bootstrap_model": False,
        "warm_up_days": 0,
        "retry_interval_seconds": 0.2,
        "call_deadline_seconds": 2.0,
    }
    values.update(overrides)
    return RiskSettings(**values)  # type: ignore[arg-type]
