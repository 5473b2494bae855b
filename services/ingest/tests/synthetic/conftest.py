"""One small synthetic data set, made once and shared: generating it is the slow part."""

from __future__ import annotations

import pytest
from payrisk_ingest.synthetic import GeneratorConfig, SyntheticData, World, build_world, generate

CONFIG = GeneratorConfig(transactions=30_000, seed=11)


@pytest.fixture(scope="session")
def config() -> GeneratorConfig:
    return CONFIG


@pytest.fixture(scope="session")
def data() -> SyntheticData:
    return generate(CONFIG)


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(CONFIG)
