"""Static checks of the docker-compose stack (nothing is built or run: there is no container engine here).

The file must be valid against the Compose Specification's JSON schema (as shipped by check-jsonschema),
and consistent: builds, Dockerfiles and mounted files exist, ports are unique, every PAYRISK_* variable is
a setting the service really reads, dependencies exist and can be waited for, and no secret is inline.
Every payrisk container serves and calls over mutual TLS with the certificates `make certs` made, which
tls-init (run here for real) hands to each container's own volume.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import re
import shlex
import stat
import subprocess
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = ("ingest", "risk", "push", "ledger")
# Everything that serves or calls over mutual TLS.
TLS_PARTIES = (*SERVICES, "console")
COMPOSE_DIR = DEPLOY / "compose"
# Services in containers must listen on every interface, not on loopback.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"

# Images that are a lone binary (no shell, no client): no in-container health check is possible.
NO_HEALTHCHECK_POSSIBLE = {"otel/opentelemetry-collector-contrib"}
# What `make certs` writes (never committed), the one host path the stack mounts from outside deploy/compose.
CERTS = ROOT / ".payrisk" / "certs"
# Sources a Dockerfile copies that other work adds to the tree.
PENDING_SOURCES = {"services/ledger/chaincode": "the ledger chaincode package is not in the tree yet"}


@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def services() -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose()["services"]
    return result


def payrisk_service(definition: dict[str, Any]) -> str | None:
    """The payrisk service a compose service runs (its SERVICE build argument), if any."""
    build = definition.get("build")
    if isinstance(build, dict):
        value = build.get("args", {}).get("SERVICE")
        return str(value) if value else None
    return None


def environment(definition: dict[str, Any]) -> dict[str, str]:
    env = definition.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def is_job(definition: dict[str, Any]) -> bool:
    return str(definition.get("restart", "no")) == "no"


def compose_schema() -> dict[str, Any]:
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose()) == []


def test_the_schema_check_rejects_what_compose_would() -> None:
    broken = copy.deepcopy(compose())
    broken["services"]["ingest"]["healthcheck"]["intervall"] = "10s"
    broken["services"]["risk"]["depends_on"] = {"ingest": {"condition": 7}}
    errors = schema_errors(broken)
    assert any("intervall" in e for e in errors), errors
    assert any("risk" in e for e in errors), errors


def test_every_payrisk_service_is_in_the_stack() -> None:
    assert {payrisk_service(d) for d in services().values()} >= set(SERVICES)


@pytest.mark.parametrize("name", sorted(services()))
def test_images_and_builds_exist(name: str) -> None:
    definition = services()[name]
    assert "image" in definition or "build" in definition
    image = definition.get("image", "")
    if "build" not in definition:
        # Public images are pinned to a version.
        tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
        assert tag not in ("", "latest"), f"{name}: pin {image!r} to a version"
        return
    build = definition["build"]
    context = (COMPOSE_DIR / build["context"]).resolve()
    assert context == ROOT, f"{name}: the build context is the repository root"
    dockerfile = context / build["dockerfile"]
    assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
    text = dockerfile.read_text()
    declared = set(re.findall(r"^ARG\s+(\w+)", text, re.MULTILINE))
    assert set(build.get("args", {})) <= declared, f"{name}: build args not declared in {dockerfile.name}"
    assert re.search(r"^USER\s+\d+", text, re.MULTILINE), (
        f"{dockerfile.name} must run as a numeric non-root user"
    )
    assert len(re.findall(r"^FROM\s", text, re.MULTILINE)) >= 2, f"{dockerfile.name} must be multi-stage"


def dockerfile_sources(dockerfile: Path) -> list[str]:
    """The paths a Dockerfile copies from the build context (COPY without --from)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    sources = []
    for line in text.splitlines():
        words = shlex.split(line.split("#", 1)[0]) if line.strip().startswith("COPY") else []
        if not words or any(w.startswith("--from") for w in words):
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        sources += [re.sub(r"\$\{SERVICE\}", "{service}", s) for s in args[:-1]]
    return sources


@pytest.mark.parametrize("dockerfile", sorted((DEPLOY / "docker").glob("*.Dockerfile")), ids=lambda p: p.name)
def test_dockerfiles_copy_files_that_exist(dockerfile: Path) -> None:
    missing, pending = [], []
    for source in dockerfile_sources(dockerfile):
        for path in {source.format(service=s) for s in SERVICES}:
            if (ROOT / path).exists():
                continue
            (pending if path.rstrip("/") in PENDING_SOURCES else missing).append(path)
    assert missing == []
    if pending:
        pytest.skip("; ".join(PENDING_SOURCES[p.rstrip("/")] for p in pending))


def test_published_ports_are_unique() -> None:
    published = []
    for definition in services().values():
        for port in definition.get("ports", []):
            parts = str(port).split(":")
            published.append(":".join(parts[:-1]))
    assert len(published) == len(set(published)), published


@pytest.mark.parametrize("name", [n for n, d in sorted(services().items()) if payrisk_service(d)])
def test_payrisk_variables_are_real_settings(name: str, settings_fields: Any) -> None:
    service = payrisk_service(services()[name])
    assert service is not None
    env = environment(services()[name])
    variables = {k for k in env if k.startswith("PAYRISK_")}
    known = settings_fields(service)
    assert variables - known == set(), f"{name} sets variables its settings do not read"
    assert env[f"PAYRISK_{service.upper()}_HOST"] == ALL_INTERFACES
    port = env[f"PAYRISK_{service.upper()}_PORT"]
    health = " ".join(services()[name]["healthcheck"]["test"])
    if service == "console":  # the analysts' web console speaks HTTP: its health is a page
        assert f"http://127.0.0.1:{port}/healthz" in health
    else:
        # The check speaks plaintext, so it asks the port that serves health alone; the main one is mTLS.
        health_port = env[f"PAYRISK_{service.upper()}_HEALTH_PORT"]
        assert health_port != port
        assert f"python /opt/payrisk/grpc_health_check.py 127.0.0.1:{health_port}" in health
    assert env["OTEL_SERVICE_NAME"] == f"payrisk-{service}"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://otel-collector:")


def test_addresses_name_services_of_the_stack() -> None:
    ports = {
        name: {str(p).split(":")[-1] for p in d.get("ports", [])}
        | {environment(d).get(f"PAYRISK_{(payrisk_service(d) or '').upper()}_PORT")}
        for name, d in services().items()
    }
    for name, definition in services().items():
        for key, value in environment(definition).items():
            if key.endswith("_ADDRESS") and key.startswith("PAYRISK_"):
                host, port = value.rsplit(":", 1)
                assert host in services(), f"{name}: {key} names no service"
                assert port in ports[host], f"{name}: {key} uses a port {host} does not listen on"


@pytest.mark.parametrize("name", sorted(services()))
def test_dependencies_exist_and_can_be_waited_for(name: str) -> None:
    for target, condition in services()[name].get("depends_on", {}).items():
        assert target in services(), f"{name} depends on unknown {target}"
        target_definition = services()[target]
        if condition["condition"] == "service_healthy":
            assert "test" in target_definition.get("healthcheck", {}), f"{target} has no health check"
        if condition["condition"] == "service_completed_successfully":
            assert is_job(target_definition), f"{target} is waited for to complete but restarts"


@pytest.mark.parametrize("name", sorted(services()))
def test_restart_policies_and_health_checks(name: str) -> None:
    definition = services()[name]
    assert "restart" in definition, f"{name}: say how it restarts"
    if is_job(definition):
        return
    assert definition["restart"] in ("always", "unless-stopped", "on-failure")
    image = definition.get("image", "").split(":")[0]
    if image in NO_HEALTHCHECK_POSSIBLE:
        return
    assert definition.get("healthcheck", {}).get("test"), f"{name} has no health check"


@pytest.mark.parametrize("name", sorted(services()))
def test_containers_are_hardened(name: str) -> None:
    definition = services()[name]
    assert definition.get("cap_drop") == ["ALL"]
    assert "no-new-privileges:true" in definition.get("security_opt", [])
    if not is_job(definition):
        assert definition.get("read_only") is True


def test_no_secret_is_written_inline() -> None:
    secretish = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE", re.IGNORECASE)
    for name, definition in services().items():
        for key, value in environment(definition).items():
            # A file path (a key file, say) is no secret; a value is.
            if secretish.search(key) and not value.startswith("/"):
                assert re.fullmatch(r"\$\{\w+(:?\?[^}]*)?\}", value), f"{name}: {key} must come from .env"
            credentials = re.search(r"://[^:/@]+:([^@]+)@", value)
            if credentials:
                assert credentials.group(1).startswith("${"), f"{name}: {key} has an inline password"
    ignored = (COMPOSE_DIR / ".gitignore").read_text().split()
    assert ".env" in ignored
    example = (COMPOSE_DIR / ".env.example").read_text()
    used = set(re.findall(r"\$\{(\w+)", COMPOSE_FILE.read_text())) - {"PAYRISK_VERSION"}
    assert used <= set(re.findall(r"^#?\s*(\w+)=", example, re.MULTILINE)), (
        ".env.example must list every variable"
    )


def test_mounted_files_exist() -> None:
    for name, definition in services().items():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith(".") and (COMPOSE_DIR / source).resolve() == CERTS:
                # Made by `make certs`, so absent from a fresh clone: compose must refuse rather than
                # create an empty directory in its place.
                assert isinstance(volume, dict), f"{name}: mount {source} with the long syntax"
                assert volume["bind"]["create_host_path"] is False, name
                assert volume["read_only"] is True, name
            elif source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), f"{name} mounts missing {source}"
            elif source:
                assert source in compose().get("volumes", {}), f"{name} uses undeclared volume {source}"


def test_scripts_the_stack_runs_are_present() -> None:
    for name, definition in services().items():
        command = definition.get("command", [])
        for word in command if isinstance(command, list) else command.split():
            for folder in ("fabric", "tls"):
                if word.startswith(f"/payrisk/{folder}/"):
                    assert (COMPOSE_DIR / folder / word.removeprefix(f"/payrisk/{folder}/")).is_file(), name


def dockerignore_admits(dockerignore: Path, path: str) -> bool:
    """Whether BuildKit sends `path` with the context, by the last matching pattern of the .dockerignore."""
    admitted = True
    for line in dockerignore.read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            admitted = negated
    return admitted


@pytest.mark.parametrize("name", [n for n, d in sorted(services().items()) if "build" in d])
def test_what_a_build_copies_is_in_its_context(name: str) -> None:
    build = services()[name]["build"]
    dockerfile = ROOT / build["dockerfile"]
    dockerignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    service = build.get("args", {}).get("SERVICE", "")
    for source in dockerfile_sources(dockerfile):
        path = source.format(service=service).rstrip("/")
        assert dockerignore_admits(dockerignore, path), f"{name}: {dockerignore.name} leaves out {path}"


def test_ingest_anchors_its_decisions_on_the_ledger() -> None:
    assert environment(services()["ingest"])["PAYRISK_INGEST_LEDGER_ADDRESS"] == "ledger:50054"


def payrisk_containers() -> dict[str, str]:
    """Compose service name -> the payrisk party it runs."""
    return {n: p for n, d in services().items() if (p := payrisk_service(d)) in TLS_PARTIES}


def named_volume_mounts(definition: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Target path -> (named volume, read-only) of a service's short-syntax volume mounts."""
    mounts = {}
    for volume in definition.get("volumes", []):
        if isinstance(volume, str) and not volume.startswith("."):
            source, target, *options = volume.split(":")
            mounts[target] = (source, "ro" in options)
    return mounts


def test_every_payrisk_container_uses_mutual_tls_from_its_own_volume(settings_fields: Any) -> None:
    tls_init = services()["tls-init"]
    filled = {source: target for target, (source, _) in named_volume_mounts(tls_init).items()}
    assert set(payrisk_containers().values()) == set(TLS_PARTIES)
    for name, party in payrisk_containers().items():
        definition = services()[name]
        env = environment(definition)
        prefix = f"PAYRISK_{party.upper()}_"
        assert env.get(prefix + "PLAINTEXT", "false").lower() not in ("1", "true", "yes"), name
        wanted = {prefix + f"TLS_{kind}_FILE": f"{party}" for kind in ("CERT", "KEY", "CA")}
        if party == "console":
            wanted |= {prefix + f"OPERATOR_TLS_{kind}_FILE": "console-operator" for kind in ("CERT", "KEY")}
        files = {k: v for k, v in env.items() if k.startswith(prefix) and "TLS" in k and k.endswith("_FILE")}
        assert set(files) == set(wanted), name
        assert set(files) <= settings_fields(party)
        mounts = named_volume_mounts(definition)
        for key, path in files.items():
            directory, file_name = path.rsplit("/", 1)
            assert directory in mounts, f"{name}: {key}={path} is in no mounted volume"
            volume, read_only = mounts[directory]
            assert read_only, f"{name}: mount {directory} read-only"
            # The volume tls-init fills with this party's own files (and no one else's).
            assert filled.get(volume) == f"/tls/{wanted[key]}", f"{name}: {key} is not from its own volume"
            assert file_name in ("tls.crt", "tls.key", "ca.crt")
        assert definition["depends_on"]["tls-init"]["condition"] == "service_completed_successfully", name


@pytest.fixture(scope="module")
def tls_volumes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What tls-init puts in the volumes, from certificates made by `make certs`'s own script."""
    certs, volumes = tmp_path_factory.mktemp("certs"), tmp_path_factory.mktemp("tls")
    made = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "certs.py"), "--dir", str(certs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    env = {
        **environment(services()["tls-init"]),
        "CERTS_DIR": str(certs),
        "TLS_DIR": str(volumes),
        # The stack hands the files to uid 10001; here, to whoever runs the tests.
        "OWNER": f"{os.getuid()}:{os.getgid()}",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    for _ in range(2):  # a second `up` replaces what the first one put there
        ran = subprocess.run(
            ["sh", str(COMPOSE_DIR / "tls" / "init.sh")], env=env, capture_output=True, text=True, check=False
        )
        assert ran.returncode == 0, ran.stderr
    return volumes


def common_name(path: Path) -> str:
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return str(certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_tls_init_hands_each_container_its_own_certificate(tls_volumes: Path) -> None:
    for party in TLS_PARTIES:
        folder = tls_volumes / party
        assert common_name(folder / "tls.crt") == f"service:{party}"
        certificate = x509.load_pem_x509_certificate((folder / "tls.crt").read_bytes())
        assert certificate.issuer == x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes()).subject
        assert stat.S_IMODE((folder / "tls.key").stat().st_mode) == 0o400, f"{party}: the key is private"
    assert common_name(tls_volumes / "console-operator" / "tls.crt").startswith("operator:")
    assert stat.S_IMODE((tls_volumes / "console-operator" / "tls.key").stat().st_mode) == 0o400
    assert not any(p.name.endswith(".tmp") for p in tls_volumes.rglob("*"))


def test_every_address_is_named_by_the_certificate_of_the_service_behind_it(tls_volumes: Path) -> None:
    # Mutual TLS checks the server's name against the address the client dialled.
    for name, definition in services().items():
        for key, value in environment(definition).items():
            if key.startswith("PAYRISK_") and key.endswith("_ADDRESS"):
                host = value.rsplit(":", 1)[0]
                party = payrisk_service(services()[host])
                certificate = x509.load_pem_x509_certificate(
                    (tls_volumes / str(party) / "tls.crt").read_bytes()
                )
                names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                assert host in names.get_values_for_type(x509.DNSName), f"{name}: {key}={value}"


def test_tls_init_says_to_run_make_certs_when_there_are_no_certificates(tmp_path: Path) -> None:
    env = {"CERTS_DIR": str(tmp_path / "none"), "TLS_DIR": str(tmp_path / "tls"), "PATH": os.environ["PATH"]}
    ran = subprocess.run(
        ["sh", str(COMPOSE_DIR / "tls" / "init.sh")], env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 1
    assert "make certs" in ran.stderr
