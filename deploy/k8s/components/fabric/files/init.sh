#!/usr/bin/env bash
# Makes what the Fabric network needs before any node starts, once (running it again changes nothing):
#   /fabric/organizations           crypto material of the orderer and both peer organisations (cryptogen)
#   /fabric/channel/payrisk.block   the channel's genesis block (configtxgen)
#   $GATEWAY_DIR                    what the ledger service needs, and nothing more: network.json, its client
#                                   identity (User1 of Org1) and the TLS roots of the peers and the orderer
# Runs in the hyperledger/fabric-tools image with this folder mounted at $FABRIC_CONFIG_DIR.
set -euo pipefail

config_dir="${FABRIC_CONFIG_DIR:-/payrisk/fabric}"
gateway_dir="${GATEWAY_DIR:-/gateway}"
# Where the ledger service sees $GATEWAY_DIR; network.json names files by their absolute path there.
gateway_mount="${GATEWAY_MOUNT:-/etc/payrisk/fabric}"
# The ledger service's user: the bundle (a private key among it) is readable by it alone.
gateway_owner="${GATEWAY_OWNER:-10001:10001}"
channel="${CHANNEL:-payrisk}"
chaincode="${CHAINCODE_NAME:-payrisk}"
orgs=/fabric/organizations

if [ ! -d "$orgs" ]; then
  echo "fabric-init: generating crypto material"
  rm -rf "$orgs.partial"
  cryptogen generate --config="$config_dir/crypto-config.yaml" --output="$orgs.partial"
  mv "$orgs.partial" "$orgs"
fi

block="/fabric/channel/$channel.block"
if [ ! -s "$block" ]; then
  echo "fabric-init: creating the genesis block of channel $channel"
  mkdir -p /fabric/channel
  configtxgen -configPath "$config_dir" -profile PayriskChannel -channelID "$channel" -outputBlock "$block.partial"
  mv "$block.partial" "$block"
fi

if [ ! -s "$gateway_dir/network.json" ]; then
  echo "fabric-init: writing the ledger service's client bundle"
  org1="$orgs/peerOrganizations/org1.payrisk.local"
  org2="$orgs/peerOrganizations/org2.payrisk.local"
  mkdir -p "$gateway_dir"
  cp "$org1"/users/User1@org1.payrisk.local/msp/signcerts/*.pem "$gateway_dir/client-cert.pem"
  cp "$org1"/users/User1@org1.payrisk.local/msp/keystore/* "$gateway_dir/client-key.pem"
  cp "$org1/tlsca/tlsca.org1.payrisk.local-cert.pem" "$gateway_dir/org1-tls-ca.pem"
  cp "$org2/tlsca/tlsca.org2.payrisk.local-cert.pem" "$gateway_dir/org2-tls-ca.pem"
  cp "$orgs/ordererOrganizations/payrisk.local/tlsca/tlsca.payrisk.local-cert.pem" "$gateway_dir/orderer-tls-ca.pem"
  jq -n --arg dir "$gateway_mount" --arg channel "$channel" --arg chaincode "$chaincode" '{
    channel: $channel,
    chaincode: $chaincode,
    msp_id: "Org1MSP",
    cert_file: "\($dir)/client-cert.pem",
    key_file: "\($dir)/client-key.pem",
    peers: [
      {name: "peer0.org1.payrisk.local", address: "peer0-org1:7051", msp_id: "Org1MSP",
       tls_ca_file: "\($dir)/org1-tls-ca.pem", tls_server_name: "peer0-org1"},
      {name: "peer0.org2.payrisk.local", address: "peer0-org2:7051", msp_id: "Org2MSP",
       tls_ca_file: "\($dir)/org2-tls-ca.pem", tls_server_name: "peer0-org2"}
    ],
    orderers: [
      {name: "orderer.payrisk.local", address: "orderer:7050", msp_id: "OrdererMSP",
       tls_ca_file: "\($dir)/orderer-tls-ca.pem", tls_server_name: "orderer"}
    ]
  }' > "$gateway_dir/network.json.partial"
  mv "$gateway_dir/network.json.partial" "$gateway_dir/network.json"
  # chmod first: once the files are the ledger user's, root without capabilities may not change them.
  chmod 0600 "$gateway_dir/client-key.pem"
  chown -R "$gateway_owner" "$gateway_dir"
fi
echo "fabric-init: done"
