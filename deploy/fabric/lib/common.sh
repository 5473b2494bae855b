# shellcheck shell=bash
# Names, ports, paths and small helpers shared by network.sh's subcommands. Sourced, never run.

# --- Where things are --------------------------------------------------------------------------------------
FABRIC_DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$FABRIC_DEPLOY_DIR/../.." && pwd)"

# Binaries are reused across networks (PAYRISK_FABRIC_CACHE_DIR may point at a cache shared by checkouts);
# network data (crypto, blocks, ledgers, logs, pids) is per checkout.
FABRIC_CACHE_DIR="${PAYRISK_FABRIC_CACHE_DIR:-$REPO_ROOT/.cache/fabric}"
STATE_DIR="${PAYRISK_FABRIC_STATE_DIR:-$REPO_ROOT/.payrisk/fabric}"
CONFIG_DIR="$STATE_DIR/config"
CRYPTO_DIR="$STATE_DIR/crypto"
CHANNEL_DIR="$STATE_DIR/channel"
NODES_DIR="$STATE_DIR/nodes"
CHAINCODE_DIR="$STATE_DIR/chaincode"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
NETWORK_JSON="$STATE_DIR/network.json"

PYTHON="${PAYRISK_PYTHON:-$REPO_ROOT/.venv/bin/python}"
CHAINCODE_SRC="$REPO_ROOT/services/ledger/chaincode/src"

# --- The pinned Fabric release --------------------------------------------------------------------------------
# v3.1.5 (2026-06-18). `go install` needs the commit: the module path has no /v3 suffix, so the tag is rejected.
FABRIC_VERSION="3.1.5"
FABRIC_COMMIT="86c1172bec37e6590c6b1ae6f847833df48d65fc"
FABRIC_MODULE="github.com/hyperledger/fabric"
FABRIC_COMMANDS=(peer orderer configtxgen cryptogen osnadmin)
CCAAS_COMMANDS=(detect build release)

# --- The network ---------------------------------------------------------------------------------------------
CHANNEL="payrisk"
CC_NAME="payrisk"
CC_VERSION_PREFIX="1"
CC_POLICY="AND('Org1MSP.peer','Org2MSP.peer')"

# Loopback only, 27050-27099 (the project's services use 50051-50060).
ORDERER_PORT=27050
ORDERER_ADMIN_PORT=27051
ORDERER_OPERATIONS_PORT=27052
PEER1_PORT=27060
PEER1_CHAINCODE_PORT=27061
PEER1_OPERATIONS_PORT=27062
PEER2_PORT=27070
PEER2_CHAINCODE_PORT=27071
PEER2_OPERATIONS_PORT=27072
# The chaincode service alternates between two port pairs (gRPC, /healthz) so that an upgrade can start the
# next package's server beside the running one: odd sequences use the first pair, even ones the second.
CHAINCODE_PORTS_ODD=(27080 27082)
CHAINCODE_PORTS_EVEN=(27081 27083)

ORDERER_DOMAIN="payrisk.local"
ORDERER_HOST="orderer.$ORDERER_DOMAIN"
ORDERER_HOME="$CRYPTO_DIR/ordererOrganizations/$ORDERER_DOMAIN/orderers/$ORDERER_HOST"
ORDERER_TLS_CA="$CRYPTO_DIR/ordererOrganizations/$ORDERER_DOMAIN/tlsca/tlsca.$ORDERER_DOMAIN-cert.pem"
ORDERER_ADMIN_TLS="$CRYPTO_DIR/ordererOrganizations/$ORDERER_DOMAIN/users/Admin@$ORDERER_DOMAIN/tls"

# The nodes network.sh runs, in start order. stop-node/start-node take these names.
NODES=(orderer peer0.org1 peer0.org2 chaincode)

# --- Output --------------------------------------------------------------------------------------------------
log() { printf 'fabric: %s\n' "$*" >&2; }
die() {
  printf 'fabric: error: %s\n' "$*" >&2
  exit 1
}

# Milliseconds since the epoch, for the timings `up` prints.
now_ms() { date +%s%3N; }

# --- Per-organisation values ---------------------------------------------------------------------------------
# org_domain 1 -> org1.payrisk.local
org_domain() { printf 'org%s.payrisk.local' "$1"; }
org_msp() { printf 'Org%sMSP' "$1"; }
org_peer_host() { printf 'peer0.%s' "$(org_domain "$1")"; }
org_peer_port() { if [[ $1 == 1 ]]; then echo "$PEER1_PORT"; else echo "$PEER2_PORT"; fi; }
org_peer_home() { printf '%s/peerOrganizations/%s/peers/%s' "$CRYPTO_DIR" "$(org_domain "$1")" "$(org_peer_host "$1")"; }
org_tls_ca() { printf '%s/peerOrganizations/%s/tlsca/tlsca.%s-cert.pem' "$CRYPTO_DIR" "$(org_domain "$1")" "$(org_domain "$1")"; }
# org_user_msp 1 Admin -> the MSP folder of Admin@org1.payrisk.local
org_user_msp() { printf '%s/peerOrganizations/%s/users/%s@%s/msp' "$CRYPTO_DIR" "$(org_domain "$1")" "$2" "$(org_domain "$1")"; }

# --- Templates -----------------------------------------------------------------------------------------------
# render_template SRC DEST NAME=VALUE...: copies SRC to DEST replacing every @NAME@ with VALUE.
render_template() {
  local src="$1" dest="$2" pair script=()
  shift 2
  for pair in "$@"; do
    # '|' never occurs in our paths or numbers; it is the sed delimiter.
    script+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
  done
  sed "${script[@]}" "$src" >"$dest.tmp"
  if grep -q '@[A-Z_]*@' "$dest.tmp"; then
    die "unfilled template token in $dest: $(grep -o '@[A-Z_]*@' "$dest.tmp" | head -1)"
  fi
  mv "$dest.tmp" "$dest"
}

# --- Probes --------------------------------------------------------------------------------------------------
# http_get PORT PATH: prints the body of an HTTP GET to 127.0.0.1:PORT, fails unless the status is 200.
# Plain bash (/dev/tcp), so the network needs neither curl nor wget.
http_get() {
  local port="$1" path="$2" status body
  exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
  body="$(timeout 5 cat <&3)" || true
  exec 3<&-
  status="$(printf '%s' "$body" | head -1 | cut -d' ' -f2)"
  [[ $status == 200 ]] || return 1
  # Drop the headers: everything up to the first empty line.
  printf '%s\n' "$body" | sed '1,/^\r\{0,1\}$/d'
}

healthy() { http_get "$1" /healthz >/dev/null 2>&1; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 100 ms until it succeeds.
wait_for() {
  local seconds="$1" what="$2" deadline
  shift 2
  deadline=$(($(now_ms) + seconds * 1000))
  until "$@"; do
    if (($(now_ms) > deadline)); then
      log "gave up after ${seconds}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# One network.sh at a time changes the network (two test sessions may run `up` together). The lock sits beside
# the state folder so that `clean` can remove the folder while holding it.
take_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$(dirname "$STATE_DIR")"
  exec 9>"$STATE_DIR.lock"
  flock 9
}
