"""Shared fixtures of the deployment checks: paths, the services' settings, a kustomize binary."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = ("ingest", "risk", "push", "ledger")

# The newest kustomize v5 that builds with the Go the machines have (v5.8.3 needs Go 1.27).
KUSTOMIZE_VERSION = "v5.8.2"
KUSTOMIZE_DIR = ROOT / ".cache" / "kustomize"


@pytest.fixture(scope="session")
def settings_fields() -> Callable[[str], set[str]]:
    """The PAYRISK_<SERVICE>_* variable names a service reads, from its settings class.

    Skips (naming the service) when the service has no settings module yet.
    """
    from payrisk_runtime import ServiceSettings

    def fields(service: str) -> set[str]:
        try:
            module = importlib.import_module(f"payrisk_{service}.settings")
        except ModuleNotFoundError as error:
            pytest.skip(f"payrisk_{service}.settings cannot be imported yet ({error})")
        prefix = f"PAYRISK_{service.upper()}_"
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value.model_config.get("env_prefix") == prefix
        ]
        assert classes, f"payrisk_{service}.settings has no settings class with env_prefix {prefix}"
        return {prefix + name.upper() for name in classes[0].model_fields}

    return fields


@pytest.fixture(scope="session")
def kustomize() -> Path:
    """A kustomize binary in .cache/kustomize, built with `go install` the first time."""
    binary = KUSTOMIZE_DIR / "kustomize"
    if binary.exists():
        version = subprocess.run([binary, "version"], capture_output=True, text=True, check=False).stdout
        if version.strip() == KUSTOMIZE_VERSION:
            return binary
    go = shutil.which("go")
    if go is None:
        pytest.skip(
            f"no Go toolchain: cannot build kustomize {KUSTOMIZE_VERSION} (install Go, or put it in {binary})"
        )
    KUSTOMIZE_DIR.mkdir(parents=True, exist_ok=True)
    staging = KUSTOMIZE_DIR / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    # GOTOOLCHAIN=auto: a Go older than kustomize's go.mod asks fetches the newer toolchain as a module.
    env = {**os.environ, "GOBIN": str(staging), "GOTOOLCHAIN": "auto", "CGO_ENABLED": "0"}
    result = subprocess.run(
        [go, "install", f"sigs.k8s.io/kustomize/kustomize/v5@{KUSTOMIZE_VERSION}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, f"go install kustomize failed:\n{result.stderr}"
    (staging / "kustomize").replace(binary)
    staging.rmdir()
    return binary
