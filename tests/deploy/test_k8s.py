"""Static checks of the Kubernetes manifests: every overlay is built with kustomize and every object it
renders is validated against the schemas of current Kubernetes releases (kubernetes-validate, offline),
then checked for what the design asks: native gRPC probes, limits, non-root, read-only root filesystems,
default-deny network policies that allow exactly the architecture's calls, autoscalers that target real
Deployments, and settings that the services really read.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "deploy" / "compose"
SERVICES = ("ingest", "risk", "push", "ledger")
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


def test_payrisk_services_have_native_grpc_probes(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for target, workload in workloads(rendered):
        if workload["metadata"]["name"] not in SERVICES:
            continue
        (container,) = pod_spec(workload)["containers"]
        port = container["ports"][0]["containerPort"]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert container[probe]["grpc"]["port"] == port, (
                f"{target} {workload['metadata']['name']} {probe}"
            )
        assert container["readinessProbe"]["grpc"]["service"].startswith("payrisk.")


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
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]

    def permitted(client: str, server: str, port: int) -> bool:
        egress = [p for p in policies if selects(p["spec"]["podSelector"], pods[client])]
        ingress = [p for p in policies if selects(p["spec"]["podSelector"], pods[server])]
        return any(allows(p["spec"].get("egress", []), "to", pods[server], port) for p in egress) and any(
            allows(p["spec"].get("ingress", []), "from", pods[client], port) for p in ingress
        )

    allowed = {
        (client, server, port)
        for client in pods
        for server in pods
        for port in ports[server]
        if client != server and permitted(client, server, port)
    }
    assert allowed == ARCHITECTURE


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
def test_referenced_config_and_secrets_exist(rendered: dict[str, list[dict[str, Any]]], target: str) -> None:
    docs = rendered[target]
    present = {(d["kind"], d["metadata"]["name"]) for d in docs}
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
    workload = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == service)
    (container,) = pod_spec(workload)["containers"]
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    variables = {v["name"]: v.get("value", "") for v in container.get("env", [])}
    for source in container.get("envFrom", []):
        variables.update(config_maps[source["configMapRef"]["name"]])
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
