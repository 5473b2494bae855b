"""The console's settings (environment variables prefixed PAYRISK_CONSOLE_)."""

from __future__ import annotations

import secrets
from pathlib import Path

from payrisk_runtime import ServiceSettings, TlsFiles
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYRISK_CONSOLE_", extra="ignore")

    # The HTTP port analysts open in their browser; 0 picks a free one (logged, and written to endpoints_file).
    port: int = Field(default=8080, ge=0, le=65535)
    # The four services the console reads from and acts through.
    ingest_address: str = "127.0.0.1:50051"
    risk_address: str = "127.0.0.1:50052"
    push_address: str = "127.0.0.1:50053"
    ledger_address: str = "127.0.0.1:50054"
    # Deadline of each call to a service; a page says which service did not answer in time.
    call_deadline_seconds: float = Field(default=5.0, gt=0)

    # Signs the session cookie. From the environment, or a file (a Kubernetes secret); when neither is set a
    # random one is made at start, so sessions end when the console restarts.
    session_secret: SecretStr | None = None
    session_secret_file: Path | None = None
    session_max_age_seconds: int = Field(default=8 * 3600, gt=0)
    # Send the session cookie over HTTPS only; on when the console sits behind TLS.
    secure_cookies: bool = False

    # The local operator account. Its password comes from `operator_password`, or from the file
    # `operator_password_file` (plain text, or an scrypt hash as `python -m payrisk_console hash-password`
    # prints); when neither is set, a random password is written to `<data_dir>/console/operator-password`.
    operator_name: str = Field(default="admin", min_length=1, max_length=64)
    operator_password: SecretStr | None = None
    operator_password_file: Path | None = None
    # More accounts, one per line: `name role scrypt$...` (role `analyst` or `operator`).
    accounts_file: Path | None = None

    # An operator certificate (with its key; the CA is tls_ca_file) for what only an operator may do: release
    # a freeze, notify a merchant, activate a model. Used only on behalf of a signed-in operator; the console's
    # own certificate (tls_cert_file, identity `service:console`) makes every other call.
    operator_tls_cert_file: Path | None = None
    operator_tls_key_file: Path | None = None

    # The ledger's Prometheus endpoint (PAYRISK_LEDGER_METRICS_PORT), read for the live view's commit latency.
    ledger_metrics_url: str = ""
    # How often the live view samples, and how much history it keeps.
    live_interval_seconds: float = Field(default=1.0, gt=0)
    live_window_seconds: int = Field(default=120, ge=10, le=3600)

    def session_key(self) -> bytes:
        if self.session_secret is not None:
            return self.session_secret.get_secret_value().encode()
        if self.session_secret_file is not None:
            return self.session_secret_file.read_bytes().strip()
        return secrets.token_bytes(32)

    def generated_password_file(self) -> Path:
        return self.data_dir / "console" / "operator-password"

    def operator_tls(self) -> TlsFiles | None:
        """The operator's credentials, when TLS is on and an operator certificate is configured."""
        cert, key, ca = self.operator_tls_cert_file, self.operator_tls_key_file, self.tls_ca_file
        if cert is None and key is None:
            return None
        if cert is None or key is None or ca is None:
            raise ValueError("the operator certificate needs its key and the CA (tls_ca_file) together")
        for path in (cert, key, ca):
            if not path.is_file():
                raise ValueError(f"TLS file {path} does not exist")
        return TlsFiles(cert, key, ca)
