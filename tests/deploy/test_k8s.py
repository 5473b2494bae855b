"""Static checks of the Kubernetes manifests: every overlay is built with kustomize and every object it
renders is validated against the schemas of current Kubernetes releases (kubernetes-validate, offline),
then checked for what the design asks: native gRPC probes, limits, non-root, read-only root filesystems,
default-deny network policies that allow exactly the architecture's calls, autoscalers that target real
Deployments, and settings that the services really read. Mutual TLS everywhere: every service and the console
read their certificates from Secrets made by deploy/k8s/tls-secrets.py (from `make certs`), the probes use
the plaintext health port, and every address a pod calls is a Service the policies let it reach, whose
certificate names that address.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "deploy" / "compose"
SERVICES = ("ingest", "risk", "push", "ledger")
# Everything that serves or calls over mutual TLS.
TLS_PARTIES = (*SERVICES, "console")
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
# The oldest release still commonly run, and the newest that kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.31", kubernetes_validate.latest_version())
# Made at run time by the fabric component's bootstrap Job, not by kustomize.
PUBLISHED_AT_RUN_TIME = {
    "fabric-orderer",
    "fabric-peer0-org1",
    "fabric-peer0-org2",
    "fabric-gateway",
    "fabric-chaincode",
}
# Calls between pods the architecture allows: (client, server, port).
ARCHITECTURE = {
    ("ingest", "risk", 50052),
    ("ingest", "ledger", 50054),
    ("risk", "ingest", 50051),
    ("risk", "ledger", 50054),
    ("risk", "push", 50053),
    ("push", "ingest", 50051),
    *((service, "postgres", 5432) for service in SERVICES),
}
WORKLOADS = ("Deployment", "StatefulSet", "Job", "DaemonSet")

pytestmark = pytest.mark.slow


def build(kustomize: Path, tree: Path, target: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [kustomize, "build", tree / target], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, f"kustomize build {target}:\n{result.stderr}"
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.fixture(scope="session")
def tls_secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The Secrets deploy/k8s/tls-secrets.py makes from what `make certs` (scripts/certs.py) writes, by name."""
    certs = tmp_path_factory.mktemp("certs")
    for command in (
        [sys.executable, str(ROOT / "scripts" / "certs.py"), "--dir", str(certs)],
        [sys.executable, str(K8S / "tls-secrets.py"), "--certs", str(certs)],
    ):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
        assert result.returncode == 0, f"{command}:\n{result.stderr}"
    listing = json.loads(result.stdout)
    assert listing["kind"] == "List"
    return {item["metadata"]["name"]: item for item in listing["items"]}


@pytest.fixture(scope="session")
def rendered(kustomize: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Every overlay (and the base) as kustomize renders it, with the committed *.example secrets."""
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("secrets"))
    for example in K8S.glob("**/secrets/*.example"):
        target = tree / example.relative_to(K8S).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(example, target)
    targets = {"base": "base", **{name: f"overlays/{name}" for name in OVERLAYS}}
    return {name: build(kustomize, tree, path) for name, path in targets.items()}


def objects(
    rendered: dict[str, list[dict[str, Any]]], kind: str | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    for target, docs in rendered.items():
        for doc in docs:
            if kind is None or doc["kind"] == kind:
                yield target, doc


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: dict[str, Any]) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every container of a workload, and whether it is an init container."""
    spec = pod_spec(workload)
    for container in spec.get("initContainers", []):
        yield container, True
    for container in spec["containers"]:
        yield container, False


def workloads(rendered: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for target, doc in objects(rendered):
        if doc["kind"] in WORKLOADS:
            yield target, doc


def deployment(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name
    )
    return found


def variables_of(docs: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """The environment a container starts with: its ConfigMaps (envFrom), then its own env values."""
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    variables: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            variables.update(config_maps[source["configMapRef"]["name"]])
    variables.update({v["name"]: v.get("value", "") for v in container.get("env", [])})
    return variables


def certificate(secret: dict[str, Any], key: str = "tls.crt") -> x509.Certificate:
    return x509.load_pem_x509_certificate(base64.b64decode(secret["data"][key]))


def test_there_is_a_kind_overlay_with_its_cluster_config() -> None:
    assert "kind" in OVERLAYS
    config = yaml.safe_load((K8S / "overlays" / "kind" / "kind-config.yaml").read_text())
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"


def test_every_object_is_valid_for_current_kubernetes(rendered: dict[str, list[dict[str, Any]]]) -> None:
    errors = []
    for target, doc in objects(rendered):
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                errors.append(
                    f"{target} {doc['kind']}/{doc['metadata']['name']} ({version}): {error.message}"
                )
    assert errors == []


def test_the_schema_check_rejects_a_bad_object(rendered: dict[str, list[dict[str, Any]]]) -> None:
    deployment = next(d for _, d in objects(rendered, "Deployment"))
    pod_spec(deployment)["containers"][0]["livenessProbe"]["grpcc"] = {"port": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_every_payrisk_service_runs_in_every_overlay(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for target, docs in rendered.items():
        deployments = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}
        assert set(SERVICES) <= deployments, target
        statefulsets = {d["metadata"]["name"] for d in docs if d["kind"] == "StatefulSet"}
        assert "postgres" in statefulsets, target
        postgres = next(d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == "postgres")
        assert postgres["spec"]["clusterIP"] == "None", "PostgreSQL's Service is headless"


def test_payrisk_services_have_native_grpc_probes_on_their_health_port(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    # The grpc port serves mutual TLS only, and the kubelet's gRPC probes cannot present a certificate: they
    # ask the plaintext port that serves the health service alone (PAYRISK_<SERVICE>_HEALTH_PORT).
    for target, docs in rendered.items():
        for name in SERVICES:
            (container,) = pod_spec(deployment(docs, name))["containers"]
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            health = int(variables_of(docs, container)[f"PAYRISK_{name.upper()}_HEALTH_PORT"])
            assert ports["health"] == health != ports["grpc"], f"{target} {name}"
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                assert container[probe]["grpc"]["port"] == health, f"{target} {name} {probe}"
            assert (
                container["readinessProbe"]["grpc"]["service"] == f"payrisk.{name}.v1.{name.title()}Service"
            )


def test_every_long_running_container_is_probed(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for target, workload in workloads(rendered):
        if workload["kind"] == "Job":
            continue
        for container, init in containers(workload):
            if not init:
                name = f"{target} {workload['metadata']['name']}/{container['name']}"
                assert "livenessProbe" in container, name
                assert "readinessProbe" in container, name


def test_every_container_is_hardened(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for target, workload in workloads(rendered):
        spec = pod_spec(workload)
        pod_security = spec.get("securityContext", {})
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", workload["metadata"][
            "name"
        ]
        for container, _ in containers(workload):
            name = f"{target} {workload['metadata']['name']}/{container['name']}"
            security = container.get("securityContext", {})
            assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, name
            assert security.get("runAsUser", pod_security.get("runAsUser", 1)) != 0, name
            assert security.get("allowPrivilegeEscalation") is False, name
            assert security.get("readOnlyRootFilesystem") is True, name
            assert security.get("capabilities", {}).get("drop") == ["ALL"], name
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{name}: {kind}"
        if workload["metadata"]["name"] in SERVICES:
            mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
            volumes = {v["name"]: v for v in spec["volumes"]}
            for path in ("/tmp", "/var/lib/payrisk"):
                assert "emptyDir" in volumes[mounts[path]], f"{workload['metadata']['name']}: {path}"


def test_images_are_pinned(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for target, workload in workloads(rendered):
        for container, _ in containers(workload):
            image = container["image"]
            tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
            assert tag not in ("", "latest"), f"{target}: {image}"


def namespaced(rendered: dict[str, list[dict[str, Any]]], target: str) -> dict[str, list[dict[str, Any]]]:
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for doc in rendered[target]:
        if doc["kind"] == "Namespace":
            by_namespace.setdefault(doc["metadata"]["name"], [])
        elif doc["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
            by_namespace.setdefault(doc["metadata"].get("namespace", "default"), []).append(doc)
    return by_namespace


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
def test_every_namespace_denies_by_default(rendered: dict[str, list[dict[str, Any]]], target: str) -> None:
    for namespace, docs in namespaced(rendered, target).items():
        assert namespace != "default", f"{target}: objects without a namespace"
        assert any(
            d["kind"] == "NetworkPolicy"
            and d["spec"]["podSelector"] == {}
            and set(d["spec"]["policyTypes"]) == {"Ingress", "Egress"}
            and not d["spec"].get("ingress")
            and not d["spec"].get("egress")
            for d in docs
        ), f"{target}: namespace {namespace} has no default-deny NetworkPolicy"


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are understood here"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def allows(rules: list[dict[str, Any]], side: str, peer_labels: dict[str, str], port: int) -> bool:
    """Whether one of the rules lets traffic to/from a pod with peer_labels (same namespace) on port."""
    for rule in rules:
        peers = rule.get(side)
        ports = rule.get("ports")
        peer_ok = peers is None or any(
            "namespaceSelector" not in p
            and "ipBlock" not in p
            and selects(p.get("podSelector", {}), peer_labels)
            for p in peers
        )
        port_ok = ports is None or any(p.get("port") in (None, port) for p in ports)
        if peer_ok and port_ok:
            return True
    return False


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
def test_network_policies_allow_exactly_the_architecture(
    rendered: dict[str, list[dict[str, Any]]], target: str
) -> None:
    docs = rendered[target]
    pods = {
        w["metadata"]["name"]: w["spec"]["template"]["metadata"]["labels"]
        for w in docs
        if w["kind"] in WORKLOADS and w["metadata"]["name"] in (*SERVICES, "postgres")
    }
    ports = {
        name: {
            p["containerPort"]
            for w in docs
            if w["kind"] in WORKLOADS and w["metadata"]["name"] == name
            for c in pod_spec(w)["containers"]
            for p in c.get("ports", [])
        }
        for name in pods
    }
    allowed = {
        (client, server, port)
        for client in pods
        for server in pods
        for port in ports[server]
        if client != server and permitted(docs, pods[client], pods[server], port)
    }
    assert allowed == ARCHITECTURE


def permitted(docs: list[dict[str, Any]], client: dict[str, str], server: dict[str, str], port: int) -> bool:
    """Whether the policies let a pod labelled `client` open a connection to one labelled `server` on port."""
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    egress = [p for p in policies if selects(p["spec"]["podSelector"], client)]
    ingress = [p for p in policies if selects(p["spec"]["podSelector"], server)]
    return any(allows(p["spec"].get("egress", []), "to", server, port) for p in egress) and any(
        allows(p["spec"].get("ingress", []), "from", client, port) for p in ingress
    )


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
def test_no_pod_reaches_a_health_port(rendered: dict[str, list[dict[str, Any]]], target: str) -> None:
    # The health port is plaintext and for the kubelet alone (which network policies do not restrict).
    docs = rendered[target]
    pods = {
        w["metadata"]["name"]: w["spec"]["template"]["metadata"]["labels"]
        for w in docs
        if w["kind"] in WORKLOADS
    }
    for name in SERVICES:
        (container,) = pod_spec(deployment(docs, name))["containers"]
        health = next(p["containerPort"] for p in container["ports"] if p["name"] == "health")
        reaching = {client for client, labels in pods.items() if permitted(docs, labels, pods[name], health)}
        assert reaching == set(), f"{target}: {name}'s health port"


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
def test_addresses_name_services_the_policies_allow_and_their_certificates_name(
    rendered: dict[str, list[dict[str, Any]]], target: str, tls_secrets: dict[str, dict[str, Any]]
) -> None:
    docs = rendered[target]
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    calls = 0
    for name in TLS_PARTIES:
        workload = deployment(docs, name)
        (container,) = pod_spec(workload)["containers"]
        client = workload["spec"]["template"]["metadata"]["labels"]
        for key, value in variables_of(docs, container).items():
            if not key.startswith("PAYRISK_") or not (key.endswith("_ADDRESS") or key.endswith("_URL")):
                continue
            if not value:
                continue
            grpc_call = key.endswith("_ADDRESS")
            # host:port, or a URL (the database's, the ledger's metrics).
            address = urlsplit(value if "://" in value else f"//{value}")
            host, port = address.hostname, address.port
            where = f"{target} {name} {key}={value}"
            assert host in services, f"{where}: no Service {host}"
            service_port = next((p for p in services[host]["spec"]["ports"] if p["port"] == port), None)
            assert service_port is not None, f"{where}: Service {host} has no port {port}"
            backends = [
                w
                for w in docs
                if w["kind"] in WORKLOADS
                and selects(
                    {"matchLabels": services[host]["spec"]["selector"]},
                    w["spec"]["template"]["metadata"]["labels"],
                )
            ]
            (backend,) = backends
            (server_container,) = pod_spec(backend)["containers"]
            target_port = next(
                p["containerPort"]
                for p in server_container["ports"]
                if service_port["targetPort"] in (p["name"], p["containerPort"])
            )
            server = backend["spec"]["template"]["metadata"]["labels"]
            assert permitted(docs, client, server, target_port), f"{where}: the network policies refuse it"
            if grpc_call:
                # Mutual TLS checks the server's name: its certificate must name the address's host.
                served = certificate(tls_secrets[f"payrisk-tls-{backend['metadata']['name']}"])
                names = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                assert host in names.get_values_for_type(x509.DNSName), f"{where}: not in the certificate"
            calls += 1
    assert calls >= 10, "the services' and the console's addresses were not found"


def test_the_ledger_reaches_the_fabric_network_where_there_is_one(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for target, docs in rendered.items():
        names = {d["metadata"]["name"] for d in docs if d["kind"] in WORKLOADS}
        if "orderer" not in names:
            continue
        policies = [
            d
            for d in docs
            if d["kind"] == "NetworkPolicy"
            and selects(d["spec"]["podSelector"], {"app.kubernetes.io/name": "ledger"})
        ]
        for node, port in (("peer0-org1", 7051), ("peer0-org2", 7051), ("orderer", 7050)):
            labels = {"app.kubernetes.io/name": node}
            assert any(allows(p["spec"].get("egress", []), "to", labels, port) for p in policies), (
                f"{target}: {node}"
            )


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
def test_autoscalers_target_existing_deployments(
    rendered: dict[str, list[dict[str, Any]]], target: str
) -> None:
    docs = rendered[target]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    scaled = set()
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment", hpa["metadata"]["name"]
        assert ref["name"] in deployments, hpa["metadata"]["name"]
        assert "replicas" not in deployments[ref["name"]]["spec"], (
            f"{ref['name']}: the autoscaler owns replicas"
        )
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        scaled.add(ref["name"])
    assert scaled == {"ingest", "risk"}


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
def test_services_select_pods_and_their_ports(rendered: dict[str, list[dict[str, Any]]], target: str) -> None:
    docs = rendered[target]
    pods = [w for w in docs if w["kind"] in WORKLOADS]
    for service in (d for d in docs if d["kind"] == "Service"):
        matching = [
            w
            for w in pods
            if selects(
                {"matchLabels": service["spec"]["selector"]}, w["spec"]["template"]["metadata"]["labels"]
            )
        ]
        assert matching, f"{target}: Service {service['metadata']['name']} selects no pod"
        names = {
            p.get("name") for w in matching for c in pod_spec(w)["containers"] for p in c.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in names, (
                f"{target}: {service['metadata']['name']} {port['targetPort']}"
            )


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
def test_referenced_config_and_secrets_exist(
    rendered: dict[str, list[dict[str, Any]]], target: str, tls_secrets: dict[str, dict[str, Any]]
) -> None:
    docs = rendered[target]
    # The TLS Secrets are made by the operator with tls-secrets.py, never by kustomize.
    present = {(d["kind"], d["metadata"]["name"]) for d in docs} | {("Secret", name) for name in tls_secrets}
    for workload in (w for w in docs if w["kind"] in WORKLOADS):
        spec = pod_spec(workload)
        wanted = set()
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                wanted.add(("ConfigMap", volume["configMap"]["name"]))
            if "secret" in volume:
                wanted.add(("Secret", volume["secret"]["secretName"]))
        for container, _ in containers(workload):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    wanted.add(("ConfigMap", source["configMapRef"]["name"]))
                if "secretRef" in source:
                    wanted.add(("Secret", source["secretRef"]["name"]))
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    wanted.add(("ConfigMap", ref["configMapKeyRef"]["name"]))
                if "secretKeyRef" in ref:
                    wanted.add(("Secret", ref["secretKeyRef"]["name"]))
        missing = {w for w in wanted - present if w[1] not in PUBLISHED_AT_RUN_TIME}
        assert missing == set(), f"{target} {workload['metadata']['name']}"
        if (sa := spec.get("serviceAccountName")) is not None:
            assert ("ServiceAccount", sa) in present


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
@pytest.mark.parametrize("service", SERVICES)
def test_payrisk_variables_are_real_settings(
    rendered: dict[str, list[dict[str, Any]]], target: str, service: str, settings_fields: Any
) -> None:
    docs = rendered[target]
    (container,) = pod_spec(deployment(docs, service))["containers"]
    variables = variables_of(docs, container)
    prefix = f"PAYRISK_{service.upper()}_"
    assert {k for k in variables if k.startswith("PAYRISK_")} - settings_fields(service) == set()
    assert variables[prefix + "HOST"] == "0.0.0.0"  # noqa: S104 (in a container: every interface)
    assert int(variables[prefix + "PORT"]) == container["ports"][0]["containerPort"]
    assert variables[prefix + "DATABASE_URL"].startswith(
        f"postgresql+psycopg://{service}:$(DB_PASSWORD)@postgres:"
    )
    assert variables["OTEL_SERVICE_NAME"] == f"payrisk-{service}"


def test_no_real_secret_is_committed() -> None:
    result = subprocess.run(
        ["git", "ls-files", "--", "deploy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    for path in result.stdout.split():
        if "/secrets/" in path:
            assert path.endswith(".example"), f"{path} is committed"
        assert not path.endswith("/.env"), f"{path} is committed"


@pytest.mark.parametrize(
    ("copy", "original"),
    [
        *(
            (f"components/fabric/files/{name}", f"fabric/{name}")
            for name in ("crypto-config.yaml", "configtx.yaml", "init.sh", "setup.sh", "peer-start.sh")
        ),
        ("base/config/init-databases.sh", "postgres/init-databases.sh"),
        ("components/observability/collector-config.yaml", "otel-collector.yaml"),
    ],
)
def test_files_shared_with_the_compose_stack_are_identical(copy: str, original: str) -> None:
    # kustomize reads files only below a kustomization, so these are copies: they must not drift.
    assert (K8S / copy).read_bytes() == (COMPOSE / original).read_bytes()


def test_tls_secrets_are_valid_and_hold_each_partys_own_certificate(
    tls_secrets: dict[str, dict[str, Any]],
) -> None:
    assert set(tls_secrets) == {f"payrisk-tls-{p}" for p in TLS_PARTIES} | {"payrisk-tls-console-operator"}
    for name, secret in tls_secrets.items():
        kubernetes_validate.validate(secret, KUBERNETES_VERSIONS[-1], strict=True)
        assert secret["metadata"]["namespace"] == "payrisk"
        assert secret["type"] == "kubernetes.io/tls"
        common_name = certificate(secret).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        party = name.removeprefix("payrisk-tls-")
        if party == "console-operator":
            assert common_name == "operator:admin"
            assert set(secret["data"]) == {"tls.crt", "tls.key"}
        else:
            assert common_name == f"service:{party}"
            assert set(secret["data"]) == {"tls.crt", "tls.key", "ca.crt"}
            assert certificate(secret).issuer == certificate(secret, "ca.crt").subject


@pytest.mark.parametrize("target", ["base", *OVERLAYS])
@pytest.mark.parametrize("party", TLS_PARTIES)
def test_every_tls_file_setting_points_at_a_mounted_secret(
    rendered: dict[str, list[dict[str, Any]]],
    target: str,
    party: str,
    tls_secrets: dict[str, dict[str, Any]],
    settings_fields: Any,
) -> None:
    docs = rendered[target]
    spec = pod_spec(deployment(docs, party))
    (container,) = spec["containers"]
    variables = variables_of(docs, container)
    prefix = f"PAYRISK_{party.upper()}_"
    # Mutual TLS, never plaintext: a service without certificates would refuse to start anyway.
    assert variables.get(prefix + "PLAINTEXT", "false").lower() not in ("1", "true", "yes")
    wanted = {prefix + f"TLS_{kind}_FILE" for kind in ("CERT", "KEY", "CA")}
    if party == "console":
        wanted |= {prefix + "OPERATOR_TLS_CERT_FILE", prefix + "OPERATOR_TLS_KEY_FILE"}
    files = {
        k: v for k, v in variables.items() if k.startswith(prefix) and k.endswith("_FILE") and "TLS" in k
    }
    assert set(files) == wanted
    assert set(files) <= settings_fields(party)
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    for key, path in files.items():
        directory, file_name = path.rsplit("/", 1)
        mount = mounts.get(directory)
        assert mount is not None, f"{target} {party}: {key}={path} is in no mounted volume"
        assert mount.get("readOnly") is True, f"{target} {party}: {directory} must be mounted read-only"
        secret_name = volumes[mount["name"]].get("secret", {}).get("secretName")
        own = "payrisk-tls-console-operator" if "OPERATOR" in key else f"payrisk-tls-{party}"
        assert secret_name == own, f"{target} {party}: {key} must come from the Secret {own}"
        assert file_name in tls_secrets[own]["data"], f"{target} {party}: {own} has no {file_name}"
