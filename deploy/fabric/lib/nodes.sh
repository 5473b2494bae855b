# shellcheck shell=bash
# Starting, stopping and checking the network's processes. Sourced, never run.
#
# Every process is started detached (its own session, stdin from /dev/null, output to logs/<name>.log) and
# writes its pid to pids/<name>.pid; `down` and `stop-node` signal only those pids, after checking that the
# pid still runs the command it was started with.

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }

# What the command line of a node's process contains; guards against signalling a recycled pid.
node_signature() {
  case "$1" in
    orderer) echo "orderer" ;;
    peer0.org*) echo "peer node start" ;;
    chaincode*) echo "payrisk_chaincode" ;;
    *) die "unknown node '$1' (nodes: ${NODES[*]})" ;;
  esac
}

# node_pid NAME: prints the node's pid when its process is alive, fails otherwise.
node_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -s $file ]] || return 1
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null || return 1
  ps -o args= -p "$pid" 2>/dev/null | grep -qF "$(node_signature "$1")" || return 1
  echo "$pid"
}

is_running() { node_pid "$1" >/dev/null; }

# launch NAME COMMAND...: starts COMMAND in the background as node NAME, logging to logs/$LOG_NAME.log
# (default: NAME).
launch() {
  local name="$1" file log
  shift
  file="$(pid_file "$name")"
  log="$LOG_DIR/${LOG_NAME:-$name}.log"
  rm -f "$file"
  mkdir -p "$LOG_DIR" "$PID_DIR"
  printf '\n=== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
  # The inner shell records its own pid and then becomes the node (exec), so the pid file names the node
  # itself whether or not setsid had to fork. setsid keeps a Ctrl-C aimed at the caller (make, pytest) from
  # reaching the network.
  # 9>&-: the lock on the network (fd 9) stays with this script; a node holding it would block every later command.
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  "${detach[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$file" "$@" >>"$log" 2>&1 </dev/null 9>&- &
  wait_for 10 "$name to start" test -s "$file"
}

stop_node() {
  local name="$1" pid
  if pid="$(node_pid "$name")"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    # Peers and the orderer close their ledgers on SIGTERM; give them a moment before insisting.
    if ! wait_for 15 "$name to exit" bash -c "! kill -0 $pid 2>/dev/null"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$(pid_file "$name")"
}

# --- Node definitions ----------------------------------------------------------------------------------------

operations_port() {
  case "$1" in
    orderer) echo "$ORDERER_OPERATIONS_PORT" ;;
    peer0.org1) echo "$PEER1_OPERATIONS_PORT" ;;
    peer0.org2) echo "$PEER2_OPERATIONS_PORT" ;;
    chaincode*) chaincode_health_port "$(served_sequence "$1")" ;;
    *) die "unknown node '$1' (nodes: ${NODES[*]})" ;;
  esac
}

node_healthy() { healthy "$(operations_port "$1")"; }

start_orderer() {
  launch orderer env FABRIC_CFG_PATH="$CONFIG_DIR" FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}" \
    "$FABRIC_BIN/orderer"
}

# start_peer 1|2
start_peer() {
  local org="$1" port cc_port ops_port home data
  port="$(org_peer_port "$org")"
  if [[ $org == 1 ]]; then
    cc_port=$PEER1_CHAINCODE_PORT ops_port=$PEER1_OPERATIONS_PORT
  else
    cc_port=$PEER2_CHAINCODE_PORT ops_port=$PEER2_OPERATIONS_PORT
  fi
  home="$(org_peer_home "$org")"
  data="$NODES_DIR/peer0.org$org"
  # The gossip bootstrap is the peer itself: it is alone in its organisation, and finds the other
  # organisation's peer through the anchor peers in the channel configuration.
  launch "peer0.org$org" env \
    FABRIC_CFG_PATH="$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}" \
    CORE_PEER_ID="$(org_peer_host "$org")" \
    CORE_PEER_ADDRESS="127.0.0.1:$port" \
    CORE_PEER_LISTENADDRESS="127.0.0.1:$port" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$cc_port" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$cc_port" \
    CORE_PEER_GOSSIP_BOOTSTRAP="127.0.0.1:$port" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="127.0.0.1:$port" \
    CORE_PEER_LOCALMSPID="$(org_msp "$org")" \
    CORE_PEER_MSPCONFIGPATH="$home/msp" \
    CORE_PEER_TLS_CERT_FILE="$home/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$home/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$home/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$data" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$data/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$ops_port" \
    "$FABRIC_BIN/peer" node start
}

# start_chaincode_server NAME SEQUENCE PACKAGE_ID: the payrisk chaincode as a service for that package,
# logging to logs/chaincode-SEQUENCE.log.
start_chaincode_server() {
  local name="$1" sequence="$2" package_id="$3"
  LOG_NAME="chaincode-$sequence" launch "$name" env \
    CHAINCODE_ID="$package_id" \
    CORE_CHAINCODE_ID_NAME="$package_id" \
    CHAINCODE_SERVER_ADDRESS="127.0.0.1:$(chaincode_port "$sequence")" \
    PAYRISK_CHAINCODE_HEALTH_ADDRESS="127.0.0.1:$(chaincode_health_port "$sequence")" \
    PYTHONPATH="$CHAINCODE_SRC${PYTHONPATH:+:$PYTHONPATH}" \
    PYTHONUNBUFFERED=1 \
    "$PYTHON" -m payrisk_chaincode
}

# start_node NAME: starts a stopped node and waits until its /healthz answers.
start_node() {
  local name="$1"
  if ! is_running "$name"; then
    case "$name" in
      orderer) start_orderer ;;
      peer0.org1) start_peer 1 ;;
      peer0.org2) start_peer 2 ;;
      chaincode) ensure_chaincode_server ;;
      *) die "unknown node '$name' (nodes: ${NODES[*]})" ;;
    esac
  fi
}

node_log() {
  case "$1" in
    chaincode*) echo "$LOG_DIR/chaincode-$(served_sequence "$1").log" ;;
    *) echo "$LOG_DIR/$1.log" ;;
  esac
}

# A node that exits while we wait for it fails at once, with the end of its log.
healthy_or_dead() {
  local name="$1"
  is_running "$name" || die "$name exited; the end of its log:
$(tail -5 "$(node_log "$name")" 2>/dev/null)"
  node_healthy "$name"
}

wait_healthy() {
  local name="$1"
  wait_for 60 "$name's /healthz" healthy_or_dead "$name" ||
    die "$name is not healthy; see $(node_log "$name")"
}
