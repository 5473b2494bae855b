#!/usr/bin/env bash
# The fabric-bootstrap Job's two steps, in the hyperledger/fabric-tools image (which has curl and jq: the
# Kubernetes API is called directly, with the Job's service account).
#
#   k8s-bootstrap.sh crypto      make the crypto material once (init.sh) and publish each node's share as
#                                a Secret; when already published, restore it instead, so that a retried
#                                Job never makes a second, different set
#   k8s-bootstrap.sh chaincode   publish the chaincode's package id (written by setup.sh) as a ConfigMap
set -euo pipefail

sa=/var/run/secrets/kubernetes.io/serviceaccount
api="https://kubernetes.default.svc/api/v1/namespaces/$(cat "$sa/namespace")"
kube() {
  curl --silent --show-error --fail --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" \
    -H 'Content-Type: application/json' "$@"
}

# publish KIND NAME KEY=FILE...: replaces the Secret or ConfigMap NAME with the given files.
publish() {
  local kind="$1" name="$2" data='{}' field=data pair
  shift 2
  for pair in "$@"; do
    if [ "$kind" = secrets ]; then
      data="$(jq --arg k "${pair%%=*}" --arg v "$(base64 -w0 < "${pair#*=}")" '. + {($k): $v}' <<<"$data")"
    else
      data="$(jq --arg k "${pair%%=*}" --rawfile v "${pair#*=}" '. + {($k): ($v | rtrimstr("\n"))}' <<<"$data")"
    fi
  done
  kube -X DELETE -o /dev/null "$api/$kind/$name" 2>/dev/null || true
  jq -n --arg kind "$([ "$kind" = secrets ] && echo Secret || echo ConfigMap)" --arg name "$name" \
      --arg field "$field" --argjson data "$data" '{
    apiVersion: "v1", kind: $kind,
    metadata: {name: $name, labels: {"app.kubernetes.io/part-of": "payrisk", "app.kubernetes.io/managed-by": "fabric-bootstrap"}},
    ($field): $data
  }' | kube -X POST -o /dev/null --data-binary @- "$api/$kind"
  echo "fabric-bootstrap: published $kind/$name"
}

case "${1:-}" in
  crypto)
    if kube -o /tmp/state.json "$api/secrets/fabric-bootstrap-state" 2>/dev/null; then
      echo "fabric-bootstrap: crypto material already published; restoring it"
      jq -r '.data["fabric.tar.gz"]' /tmp/state.json | base64 -d | tar -xzf - -C /fabric
      exit 0
    fi
    GATEWAY_DIR=/fabric/gateway GATEWAY_OWNER="$(id -u):$(id -g)" bash /payrisk/fabric/init.sh
    orgs=organizations
    tar -czf /tmp/orderer.tar.gz -C /fabric "$orgs/ordererOrganizations/payrisk.local/orderers/orderer.payrisk.local"
    tar -czf /tmp/peer0-org1.tar.gz -C /fabric "$orgs/peerOrganizations/org1.payrisk.local/peers/peer0.org1.payrisk.local"
    tar -czf /tmp/peer0-org2.tar.gz -C /fabric "$orgs/peerOrganizations/org2.payrisk.local/peers/peer0.org2.payrisk.local"
    publish secrets fabric-orderer node.tar.gz=/tmp/orderer.tar.gz
    publish secrets fabric-peer0-org1 node.tar.gz=/tmp/peer0-org1.tar.gz
    publish secrets fabric-peer0-org2 node.tar.gz=/tmp/peer0-org2.tar.gz
    gw=/fabric/gateway
    publish secrets fabric-gateway network.json=$gw/network.json client-cert.pem=$gw/client-cert.pem \
      client-key.pem=$gw/client-key.pem org1-tls-ca.pem=$gw/org1-tls-ca.pem org2-tls-ca.pem=$gw/org2-tls-ca.pem \
      orderer-tls-ca.pem=$gw/orderer-tls-ca.pem
    # Last: its presence means everything above was published.
    tar -czf /tmp/fabric.tar.gz -C /fabric organizations channel gateway
    publish secrets fabric-bootstrap-state fabric.tar.gz=/tmp/fabric.tar.gz
    ;;
  chaincode)
    publish configmaps fabric-chaincode CHAINCODE_ID=/chaincode/package-id
    ;;
  *)
    echo "usage: k8s-bootstrap.sh crypto|chaincode" >&2
    exit 2
    ;;
esac
