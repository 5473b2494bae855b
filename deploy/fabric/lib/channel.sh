# shellcheck shell=bash
# Crypto material, the channel's genesis block, and joining the channel. Sourced, never run.

# peer_cli ORG ROLE ARGS...: the `peer` CLI as User1 or Admin of org ORG, talking to that org's peer.
peer_cli() {
  local org="$1" role="$2"
  shift 2
  env FABRIC_CFG_PATH="$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC="${FABRIC_CLI_LOGGING_SPEC:-warning}" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_LOCALMSPID="$(org_msp "$org")" \
    CORE_PEER_TLS_ROOTCERT_FILE="$(org_tls_ca "$org")" \
    CORE_PEER_MSPCONFIGPATH="$(org_user_msp "$org" "$role")" \
    CORE_PEER_ADDRESS="127.0.0.1:$(org_peer_port "$org")" \
    "$FABRIC_BIN/peer" "$@"
}

osnadmin_cli() {
  "$FABRIC_BIN/osnadmin" "$@" -o "127.0.0.1:$ORDERER_ADMIN_PORT" --ca-file "$ORDERER_TLS_CA" \
    --client-cert "$ORDERER_ADMIN_TLS/client.crt" --client-key "$ORDERER_ADMIN_TLS/client.key"
}

render_configs() {
  mkdir -p "$CONFIG_DIR"
  render_template "$FABRIC_DEPLOY_DIR/config/core.yaml" "$CONFIG_DIR/core.yaml" \
    CCAAS_BUILDER_DIR="$CCAAS_BUILDER_DIR"
  render_template "$FABRIC_DEPLOY_DIR/config/orderer.yaml" "$CONFIG_DIR/orderer.yaml" \
    ORDERER_PORT="$ORDERER_PORT" ORDERER_ADMIN_PORT="$ORDERER_ADMIN_PORT" \
    ORDERER_OPERATIONS_PORT="$ORDERER_OPERATIONS_PORT" ORDERER_HOME="$ORDERER_HOME" \
    ORDERER_DATA="$NODES_DIR/orderer"
  render_template "$FABRIC_DEPLOY_DIR/config/configtx.yaml" "$CONFIG_DIR/configtx.yaml" \
    CRYPTO_DIR="$CRYPTO_DIR" ORDERER_PORT="$ORDERER_PORT" PEER1_PORT="$PEER1_PORT" PEER2_PORT="$PEER2_PORT"
}

# Generated once: a new set of identities would not match the ledgers already on disk.
generate_crypto() {
  [[ -d "$CRYPTO_DIR/peerOrganizations" ]] && return 0
  log "generating crypto material"
  "$FABRIC_BIN/cryptogen" generate --config="$FABRIC_DEPLOY_DIR/config/crypto-config.yaml" \
    --output="$CRYPTO_DIR" >/dev/null
}

generate_channel_block() {
  [[ -s "$CHANNEL_DIR/$CHANNEL.block" ]] && return 0
  log "generating the genesis block of channel $CHANNEL"
  mkdir -p "$CHANNEL_DIR"
  FABRIC_CFG_PATH="$CONFIG_DIR" "$FABRIC_BIN/configtxgen" -profile PayriskChannel -channelID "$CHANNEL" \
    -outputBlock "$CHANNEL_DIR/$CHANNEL.block.tmp" 2>>"$LOG_DIR/configtxgen.log"
  mv "$CHANNEL_DIR/$CHANNEL.block.tmp" "$CHANNEL_DIR/$CHANNEL.block"
}

# The orderer's view of the channel, as osnadmin prints it: "Status: 200" and a JSON body.
orderer_channel_info() { osnadmin_cli channel list --channelID "$CHANNEL" 2>/dev/null; }

orderer_channel_active() {
  local info
  info="$(orderer_channel_info)" || return 1
  [[ $info == *'"status": "active"'* || $info == *'"status":"active"'* ]]
}

join_orderer() {
  if [[ "$(orderer_channel_info)" != *"Status: 200"* ]]; then
    log "orderer joins channel $CHANNEL"
    osnadmin_cli channel join --channelID "$CHANNEL" --config-block "$CHANNEL_DIR/$CHANNEL.block" >/dev/null
  fi
  # A single consenter elects itself after ElectionTick ticks; until then nothing can be ordered.
  wait_for 30 "the orderer to lead channel $CHANNEL" orderer_channel_active ||
    die "the orderer did not activate channel $CHANNEL: $(orderer_channel_info)"
}

peer_joined() { peer_cli "$1" Admin channel getinfo -c "$CHANNEL" >/dev/null 2>&1; }

join_peer() {
  local org="$1"
  peer_joined "$org" && return 0
  log "peer0.org$org joins channel $CHANNEL"
  peer_cli "$org" Admin channel join -b "$CHANNEL_DIR/$CHANNEL.block" 2>>"$LOG_DIR/cli.log" ||
    die "peer0.org$org could not join channel $CHANNEL; see $LOG_DIR/cli.log"
}
