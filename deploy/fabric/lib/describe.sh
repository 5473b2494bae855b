# shellcheck shell=bash
# network.json, the description of the running network that clients (the ledger service, the tests) read,
# and the end-to-end readiness check through the Gateway. Sourced, never run.

# json_peer ORG: one entry of "peers".
json_peer() {
  local org="$1"
  cat <<EOF
    {
      "name": "$(org_peer_host "$org")",
      "msp_id": "$(org_msp "$org")",
      "address": "127.0.0.1:$(org_peer_port "$org")",
      "tls_root_cert": "$(org_tls_ca "$org")",
      "server_name": "$(org_peer_host "$org")",
      "operations_address": "127.0.0.1:$(operations_port "peer0.org$org")"
    }
EOF
}

# json_identity ORG USER: the certificate and private key of USER@org<ORG> (cryptogen's file names).
json_identity() {
  local org="$1" user="$2" msp
  msp="$(org_user_msp "$org" "$user")"
  cat <<EOF
{"name": "$user@$(org_domain "$org")", "cert": "$msp/signcerts/$user@$(org_domain "$org")-cert.pem", "key": "$msp/keystore/priv_sk"}
EOF
}

json_organization() {
  local org="$1"
  cat <<EOF
    {
      "msp_id": "$(org_msp "$org")",
      "peers": ["$(org_peer_host "$org")"],
      "client": $(json_identity "$org" User1),
      "admin": $(json_identity "$org" Admin)
    }
EOF
}

write_network_json() {
  local sequence
  sequence="$(served_sequence chaincode)"
  cat >"$NETWORK_JSON.tmp" <<EOF
{
  "channel": "$CHANNEL",
  "chaincode": "$CC_NAME",
  "chaincode_sequence": $sequence,
  "endorsement_policy": "$CC_POLICY",
  "fabric_version": "$FABRIC_VERSION",
  "orderer": {
    "address": "127.0.0.1:$ORDERER_PORT",
    "tls_root_cert": "$ORDERER_TLS_CA",
    "server_name": "$ORDERER_HOST",
    "operations_address": "127.0.0.1:$ORDERER_OPERATIONS_PORT"
  },
  "peers": [
$(json_peer 1),
$(json_peer 2)
  ],
  "organizations": [
$(json_organization 1),
$(json_organization 2)
  ]
}
EOF
  mv "$NETWORK_JSON.tmp" "$NETWORK_JSON"
}

# Endorses (without submitting) a read through each peer's Gateway with both organisations: passes once
# gossip has told each gateway about the other organisation's peer and its chaincode. Until it passes there
# is no network.json, so a later `up` does not mistake a half-started network for a running one.
wait_gateways_ready() {
  if ! PYTHONPATH="$REPO_ROOT/services/ledger/src${PYTHONPATH:+:$PYTHONPATH}" \
    "$PYTHON" -m payrisk_ledger.fabric.probe --network "$NETWORK_JSON" --timeout 60; then
    rm -f "$NETWORK_JSON"
    die "the gateways do not endorse with both organisations; see $LOG_DIR/peer0.org*.log"
  fi
}
