"""Fuzzing runs against the real system: every service its own process on a loopback port, linked as in
production (risk without a model, so that scoring answers UNAVAILABLE rather than deciding)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from payrisk_runtime.local import SYSTEM, LocalStack

pytestmark = pytest.mark.slow

QUIET = {f"{s.env_prefix}LOG_LEVEL": "ERROR" for s in SYSTEM}


@pytest.fixture(scope="module")
def addresses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    stack = LocalStack(tmp_path_factory.mktemp("fuzz"), QUIET)
    try:
        yield stack.start_system(
            tuple(dataclasses.replace(s, port=0) for s in SYSTEM),
            {"risk": {"PAYRISK_RISK_BOOTSTRAP_MODEL": "false", "PAYRISK_RISK_WARM_UP_DAYS": "0"}},
        )
    finally:
        stack.stop_all()
