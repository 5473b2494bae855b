#!/usr/bin/env bash
# The payrisk Hyperledger Fabric test network, run as native processes (no containers): one Raft orderer,
# two organisations with one peer each (LevelDB, TLS), channel `payrisk`, and the payrisk chaincode (Python)
# as a chaincode service. Ports 27050-27099 on 127.0.0.1; data under .payrisk/fabric; binaries cached
# under .cache/fabric. See deploy/fabric/README.md.
#
#   network.sh build                 build (or locate) Fabric's commands and the ccaas builder
#   network.sh up                    start everything, create the channel and deploy the chaincode as needed
#   network.sh down                  stop what `up` started, keeping the data
#   network.sh clean                 down, then wipe .payrisk/fabric
#   network.sh status                each node's pid and health, the chaincode's sequence
#   network.sh upgrade-cc            package, install, approve and commit the chaincode's next sequence
#   network.sh env [org1|org2] [user|admin]
#                                    the variables a `peer` CLI user of that organisation needs
#   network.sh stop-node NAME        stop one node (orderer, peer0.org1, peer0.org2, chaincode)
#   network.sh start-node NAME       start it again and wait until the network endorses and commits
set -euo pipefail

LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)"
# shellcheck source=lib/common.sh
source "$LIB_DIR/common.sh"
# shellcheck source=lib/build.sh
source "$LIB_DIR/build.sh"
# shellcheck source=lib/nodes.sh
source "$LIB_DIR/nodes.sh"
# shellcheck source=lib/channel.sh
source "$LIB_DIR/channel.sh"
# shellcheck source=lib/chaincode.sh
source "$LIB_DIR/chaincode.sh"
# shellcheck source=lib/describe.sh
source "$LIB_DIR/describe.sh"

ALL_NODES_ALIVE_MESSAGE="the network is already running"

all_nodes_healthy() {
  local name
  for name in "${NODES[@]}"; do
    is_running "$name" && node_healthy "$name" || return 1
  done
  [[ -s $NETWORK_JSON ]]
}

check_ports_free() {
  local name port
  for name in orderer peer0.org1 peer0.org2; do
    is_running "$name" && continue
    for port in $(node_ports "$name"); do
      port_free "$port" || die "port $port (for $name) is taken by another process"
    done
  done
}

node_ports() {
  case "$1" in
    orderer) echo "$ORDERER_PORT $ORDERER_ADMIN_PORT $ORDERER_OPERATIONS_PORT" ;;
    peer0.org1) echo "$PEER1_PORT $PEER1_CHAINCODE_PORT $PEER1_OPERATIONS_PORT" ;;
    peer0.org2) echo "$PEER2_PORT $PEER2_CHAINCODE_PORT $PEER2_OPERATIONS_PORT" ;;
  esac
}

cmd_up() {
  local started step
  started=$(now_ms)
  resolve_binaries
  [[ -x $PYTHON ]] || die "no Python environment at $PYTHON (run 'make setup')"
  if all_nodes_healthy; then
    log "$ALL_NODES_ALIVE_MESSAGE"
    return 0
  fi
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$PID_DIR" "$NODES_DIR" "$CHAINCODE_DIR"
  check_ports_free
  render_configs
  generate_crypto
  generate_channel_block

  step=$(now_ms)
  local name
  for name in orderer peer0.org1 peer0.org2; do start_node "$name"; done
  for name in orderer peer0.org1 peer0.org2; do wait_healthy "$name"; done
  log "orderer and peers healthy ($(($(now_ms) - step)) ms)"

  step=$(now_ms)
  join_orderer
  join_peer 1
  join_peer 2
  log "channel $CHANNEL joined ($(($(now_ms) - step)) ms)"

  step=$(now_ms)
  deploy_chaincode
  log "chaincode $CC_NAME ready, sequence $(committed_sequence) ($(($(now_ms) - step)) ms)"

  write_network_json
  step=$(now_ms)
  wait_gateways_ready
  log "both gateways endorse with both organisations ($(($(now_ms) - step)) ms)"
  log "network up in $(($(now_ms) - started)) ms; description in $NETWORK_JSON"
}

cmd_down() {
  local name pids=() pid
  # Every node at once: each waits for its own process to exit.
  for name in chaincode-next chaincode peer0.org1 peer0.org2 orderer; do
    stop_node "$name" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  log "network stopped (data kept in $STATE_DIR)"
}

cmd_clean() {
  cmd_down
  rm -rf "$STATE_DIR"
  log "network data removed"
}

cmd_status() {
  local name pid health
  for name in "${NODES[@]}"; do
    if pid="$(node_pid "$name")"; then
      health="unhealthy"
      node_healthy "$name" && health="healthy"
      printf '%-11s running (pid %s), %s\n' "$name" "$pid" "$health"
    else
      printf '%-11s stopped\n' "$name"
    fi
  done
  if is_running chaincode; then
    printf 'chaincode %s: sequence %s\n' "$CC_NAME" "$(served_sequence chaincode)"
  fi
  all_nodes_healthy
}

cmd_env() {
  local org="${1:-org1}" role="${2:-user}" n user
  case "$org" in
    org1 | 1) n=1 ;;
    org2 | 2) n=2 ;;
    *) die "env: the organisation is org1 or org2, not '$org'" ;;
  esac
  case "$role" in
    user) user=User1 ;;
    admin) user=Admin ;;
    *) die "env: the role is user or admin, not '$role'" ;;
  esac
  printf 'export %s=%q\n' \
    FABRIC_BIN "$FABRIC_BIN" \
    FABRIC_CFG_PATH "$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC warning \
    CORE_PEER_TLS_ENABLED true \
    CORE_PEER_LOCALMSPID "$(org_msp "$n")" \
    CORE_PEER_TLS_ROOTCERT_FILE "$(org_tls_ca "$n")" \
    CORE_PEER_MSPCONFIGPATH "$(org_user_msp "$n" "$user")" \
    CORE_PEER_ADDRESS "127.0.0.1:$(org_peer_port "$n")" \
    ORDERER_ADDRESS "127.0.0.1:$ORDERER_PORT" \
    ORDERER_TLS_CA "$ORDERER_TLS_CA" \
    FABRIC_CHANNEL "$CHANNEL" \
    FABRIC_CHAINCODE "$CC_NAME"
  # shellcheck disable=SC2016 # $PATH is expanded by whoever evaluates these lines
  printf 'export PATH=%q:"$PATH"\n' "$FABRIC_BIN"
}

cmd_stop_node() {
  [[ $# == 1 ]] || die "usage: network.sh stop-node NAME (one of ${NODES[*]})"
  node_signature "$1" >/dev/null
  stop_node "$1"
}

cmd_start_node() {
  [[ $# == 1 ]] || die "usage: network.sh start-node NAME (one of ${NODES[*]})"
  resolve_binaries
  start_node "$1"
  wait_healthy "$1"
  # Healthy is not yet useful: wait until the gateways can endorse with both organisations again.
  wait_gateways_ready
  log "$1 is back"
}

main() {
  local command="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$command" in
    up | down | clean | upgrade-cc | stop-node | start-node) take_lock ;;
  esac
  case "$command" in
    build) cmd_build ;;
    up) cmd_up ;;
    down) cmd_down ;;
    clean) cmd_clean ;;
    status) cmd_status ;;
    upgrade-cc) resolve_binaries && cmd_upgrade_cc ;;
    env) { locate_binaries || die "no Fabric binaries yet: run network.sh build"; } && cmd_env "$@" ;;
    stop-node) cmd_stop_node "$@" ;;
    start-node) cmd_start_node "$@" ;;
    -h | --help | help | "") sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
    *) die "unknown command '$command' (try: network.sh help)" ;;
  esac
}

main "$@"
