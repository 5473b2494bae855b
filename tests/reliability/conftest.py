"""Services as real processes that the tests kill and restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from payrisk_runtime.local import LocalStack

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture
def stack(tmp_path) -> Iterator[LocalStack]:
    stack = LocalStack(tmp_path / "state")
    yield stack
    stack.stop_all()


@pytest.fixture
def repo_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
async def trained_models(tmp_path_factory: pytest.TempPathFactory):
    """A data directory holding one small trained model, active: copied into each risk's data directory."""
    from risk_factories import train_small_model

    root = tmp_path_factory.mktemp("trained")
    await train_small_model(root)
    return root
