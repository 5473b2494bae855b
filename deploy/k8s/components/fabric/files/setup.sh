#!/usr/bin/env bash
# Brings the running network to its working state, each step only when it is not done yet (so running it
# again after a restart changes nothing):
#   1. the orderer joins channel `payrisk` (channel participation API, osnadmin)
#   2. both peers join it
#   3. the payrisk chaincode is packaged as a chaincode service (CCaaS: the peers connect to
#      $CHAINCODE_ADDRESS), installed on both peers, approved by both organisations and committed, with an
#      endorsement policy that needs both organisations
#   4. the package id is written to $CHAINCODE_DIR/package-id for the chaincode service to start with
# Runs in the hyperledger/fabric-tools image after init.sh, once the orderer and the peers are healthy.
set -euo pipefail

channel="${CHANNEL:-payrisk}"
cc_name="${CHAINCODE_NAME:-payrisk}"
cc_version="${CHAINCODE_VERSION:-1.0}"
cc_sequence="${CHAINCODE_SEQUENCE:-1}"
cc_address="${CHAINCODE_ADDRESS:-chaincode:9999}"
cc_policy="AND('Org1MSP.peer','Org2MSP.peer')"
chaincode_dir="${CHAINCODE_DIR:-/chaincode}"
orgs=/fabric/organizations
block="/fabric/channel/$channel.block"
orderer=orderer:7050
orderer_ca="$orgs/ordererOrganizations/payrisk.local/tlsca/tlsca.payrisk.local-cert.pem"
orderer_admin_tls="$orgs/ordererOrganizations/payrisk.local/users/Admin@payrisk.local/tls"

# Retries a command while the network settles (Raft leader election, peers catching up).
retry() {
  local attempt
  for attempt in $(seq 1 30); do
    if "$@"; then return 0; fi
    echo "fabric-setup: attempt $attempt failed, retrying in 2 s: $*" >&2
    sleep 2
  done
  return 1
}

# Acts as organisation $1's admin on its peer.
as_org() {
  local org="org$1.payrisk.local"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID="Org$1MSP"
  export CORE_PEER_ADDRESS="peer0-org$1:7051"
  export CORE_PEER_TLS_ROOTCERT_FILE="$orgs/peerOrganizations/$org/tlsca/tlsca.$org-cert.pem"
  export CORE_PEER_MSPCONFIGPATH="$orgs/peerOrganizations/$org/users/Admin@$org/msp"
}

# 1. The orderer.
if osnadmin channel list --channelID "$channel" -o orderer:7053 --ca-file "$orderer_ca" \
    --client-cert "$orderer_admin_tls/client.crt" --client-key "$orderer_admin_tls/client.key" | grep -q 'Status: 200'; then
  echo "fabric-setup: the orderer is in channel $channel"
else
  echo "fabric-setup: the orderer joins channel $channel"
  retry osnadmin channel join --channelID "$channel" --config-block "$block" -o orderer:7053 --ca-file "$orderer_ca" \
    --client-cert "$orderer_admin_tls/client.crt" --client-key "$orderer_admin_tls/client.key"
fi

# 2. The peers.
for org in 1 2; do
  as_org "$org"
  if peer channel getinfo -c "$channel" >/dev/null 2>&1; then
    echo "fabric-setup: peer0-org$org is in channel $channel"
  else
    echo "fabric-setup: peer0-org$org joins channel $channel"
    retry peer channel join -b "$block"
  fi
done

# 3. The chaincode. The package holds no code, only where the chaincode service listens; it is built
# reproducibly (fixed times and owners), so its id does not change from one run to the next.
label="${cc_name}_${cc_version}"
package="$chaincode_dir/$label.tar.gz"
mkdir -p "$chaincode_dir"
if [ ! -s "$package" ]; then
  work="$(mktemp -d)"
  printf '{"address": "%s", "dial_timeout": "10s", "tls_required": false}\n' "$cc_address" > "$work/connection.json"
  printf '{"type": "ccaas", "label": "%s"}\n' "$label" > "$work/metadata.json"
  reproducible=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
  tar -C "$work" "${reproducible[@]}" -cf - connection.json | gzip -n > "$work/code.tar.gz"
  tar -C "$work" "${reproducible[@]}" -cf - metadata.json code.tar.gz | gzip -n > "$package.partial"
  mv "$package.partial" "$package"
  rm -rf "$work"
fi
as_org 1
package_id="$(peer lifecycle chaincode calculatepackageid "$package")"
echo "fabric-setup: chaincode package $package_id"

for org in 1 2; do
  as_org "$org"
  if peer lifecycle chaincode queryinstalled --output json \
      | jq -e --arg id "$package_id" '(.installed_chaincodes // []) | any(.package_id == $id)' >/dev/null; then
    echo "fabric-setup: the chaincode is installed on peer0-org$org"
  else
    echo "fabric-setup: installing the chaincode on peer0-org$org"
    retry peer lifecycle chaincode install "$package"
  fi
done

committed_sequence() {
  peer lifecycle chaincode querycommitted -C "$channel" -n "$cc_name" --output json 2>/dev/null | jq -r '.sequence // 0' || echo 0
}
as_org 1
if [ "$(committed_sequence)" -ge "$cc_sequence" ]; then
  echo "fabric-setup: chaincode $cc_name is committed at sequence $(committed_sequence)"
else
  for org in 1 2; do
    as_org "$org"
    if peer lifecycle chaincode queryapproved -C "$channel" -n "$cc_name" --sequence "$cc_sequence" >/dev/null 2>&1; then
      echo "fabric-setup: Org${org}MSP has approved sequence $cc_sequence"
    else
      echo "fabric-setup: Org${org}MSP approves $cc_name sequence $cc_sequence"
      retry peer lifecycle chaincode approveformyorg -o "$orderer" --tls --cafile "$orderer_ca" \
        -C "$channel" -n "$cc_name" --version "$cc_version" --sequence "$cc_sequence" \
        --package-id "$package_id" --signature-policy "$cc_policy"
    fi
  done
  as_org 1
  echo "fabric-setup: committing $cc_name sequence $cc_sequence"
  retry peer lifecycle chaincode commit -o "$orderer" --tls --cafile "$orderer_ca" \
    -C "$channel" -n "$cc_name" --version "$cc_version" --sequence "$cc_sequence" \
    --signature-policy "$cc_policy" \
    --peerAddresses peer0-org1:7051 \
    --tlsRootCertFiles "$orgs/peerOrganizations/org1.payrisk.local/tlsca/tlsca.org1.payrisk.local-cert.pem" \
    --peerAddresses peer0-org2:7051 \
    --tlsRootCertFiles "$orgs/peerOrganizations/org2.payrisk.local/tlsca/tlsca.org2.payrisk.local-cert.pem"
fi

# 4. Hand the package id to the chaincode service.
printf '%s\n' "$package_id" > "$chaincode_dir/package-id.partial"
mv "$chaincode_dir/package-id.partial" "$chaincode_dir/package-id"
chmod 0644 "$chaincode_dir/package-id"
echo "fabric-setup: done"
