"""Fixtures shared by every test suite: real databases."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).parent

# Services built by the tests run in plaintext unless a test gives them certificates (payrisk refuses to
# serve without TLS unless told it may).
for _service in ("INGEST", "RISK", "PUSH", "LEDGER", "CONSOLE"):
    os.environ.setdefault(f"PAYRISK_{_service}_PLAINTEXT", "true")
# ...and so do command-line clients, whatever a `make up` in this checkout left behind.
os.environ.setdefault("PAYRISK_CLIENT_PLAINTEXT", "true")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A running PostgreSQL: PAYRISK_TEST_POSTGRES_URL, or the project's own local server, started now."""
    url = os.environ.get("PAYRISK_TEST_POSTGRES_URL")
    if not url:
        started = subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh"), "start"],
            check=True,
            capture_output=True,
            text=True,
        )
        url = started.stdout.strip().splitlines()[-1]
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    # No pool: a test may restart the server, and a fresh connection is all the teardown needs.
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs against both supported databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))
