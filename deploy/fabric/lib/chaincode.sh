# shellcheck shell=bash
# The payrisk chaincode as a service (CCaaS): packaging, lifecycle (install, approve, commit) and its server.
# Sourced, never run.
#
# A CCaaS package holds no code, only where the peers find the running chaincode (connection.json). Packages
# are built reproducibly (fixed times, owners and order), so sequence N always has the same package id and the
# server for the committed sequence can be restarted from the sequence alone.

chaincode_port() { if (($1 % 2)); then echo "${CHAINCODE_PORTS_ODD[0]}"; else echo "${CHAINCODE_PORTS_EVEN[0]}"; fi; }
chaincode_health_port() { if (($1 % 2)); then echo "${CHAINCODE_PORTS_ODD[1]}"; else echo "${CHAINCODE_PORTS_EVEN[1]}"; fi; }
chaincode_label() { printf '%s_%s' "$CC_NAME" "$1"; }

# The sequence a chaincode server process serves, recorded beside its pid file when it starts.
served_sequence() { cat "$PID_DIR/$1.sequence" 2>/dev/null || echo 1; }

reproducible_tar() {
  local out="$1" dir="$2"
  shift 2
  tar --sort=name --mtime='@0' --owner=0 --group=0 --numeric-owner -C "$dir" -cf - "$@" | gzip -n >"$out"
}

# package_chaincode SEQUENCE: prints the path of that sequence's package, creating it when missing.
package_chaincode() {
  local sequence="$1" label file work
  label="$(chaincode_label "$sequence")"
  file="$CHAINCODE_DIR/$label.tar.gz"
  if [[ ! -s $file ]]; then
    mkdir -p "$CHAINCODE_DIR"
    work="$(mktemp -d "$CHAINCODE_DIR/package.XXXXXX")"
    printf '{"address": "127.0.0.1:%s", "dial_timeout": "10s", "tls_required": false}\n' \
      "$(chaincode_port "$sequence")" >"$work/connection.json"
    printf '{"type": "ccaas", "label": "%s"}\n' "$label" >"$work/metadata.json"
    reproducible_tar "$work/code.tar.gz" "$work" connection.json
    reproducible_tar "$file.tmp" "$work" metadata.json code.tar.gz
    mv "$file.tmp" "$file"
    rm -rf "$work"
  fi
  echo "$file"
}

package_id() { peer_cli 1 Admin lifecycle chaincode calculatepackageid "$1"; }

# 0 when the chaincode is not committed on the channel yet.
committed_sequence() {
  local out
  out="$(peer_cli 1 Admin lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC_NAME" 2>/dev/null)" || {
    echo 0
    return 0
  }
  sed -n 's/.*Sequence: \([0-9]*\),.*/\1/p' <<<"$out" | head -1
}

install_package() {
  local org="$1" file="$2" id="$3"
  if peer_cli "$org" Admin lifecycle chaincode queryinstalled 2>/dev/null | grep -qF "Package ID: $id,"; then
    return 0
  fi
  log "installing $(basename "$file") on peer0.org$org"
  peer_cli "$org" Admin lifecycle chaincode install "$file" 2>>"$LOG_DIR/cli.log" >/dev/null ||
    die "install on peer0.org$org failed; see $LOG_DIR/cli.log"
}

approve_definition() {
  local org="$1" sequence="$2" id="$3"
  if peer_cli "$org" Admin lifecycle chaincode queryapproved -C "$CHANNEL" -n "$CC_NAME" \
    --sequence "$sequence" >/dev/null 2>&1; then
    return 0
  fi
  log "Org$org approves $CC_NAME sequence $sequence"
  peer_cli "$org" Admin lifecycle chaincode approveformyorg -o "127.0.0.1:$ORDERER_PORT" --tls \
    --cafile "$ORDERER_TLS_CA" -C "$CHANNEL" -n "$CC_NAME" --version "$CC_VERSION_PREFIX.$sequence" \
    --sequence "$sequence" --package-id "$id" --signature-policy "$CC_POLICY" 2>>"$LOG_DIR/cli.log" ||
    die "Org$org could not approve $CC_NAME sequence $sequence; see $LOG_DIR/cli.log"
}

commit_definition() {
  local sequence="$1"
  log "committing $CC_NAME sequence $sequence (endorsement policy $CC_POLICY)"
  peer_cli 1 Admin lifecycle chaincode commit -o "127.0.0.1:$ORDERER_PORT" --tls --cafile "$ORDERER_TLS_CA" \
    -C "$CHANNEL" -n "$CC_NAME" --version "$CC_VERSION_PREFIX.$sequence" --sequence "$sequence" \
    --signature-policy "$CC_POLICY" \
    --peerAddresses "127.0.0.1:$PEER1_PORT" --tlsRootCertFiles "$(org_tls_ca 1)" \
    --peerAddresses "127.0.0.1:$PEER2_PORT" --tlsRootCertFiles "$(org_tls_ca 2)" 2>>"$LOG_DIR/cli.log" ||
    die "commit of $CC_NAME sequence $sequence failed; see $LOG_DIR/cli.log"
}

# run_chaincode_server NAME SEQUENCE: starts the server of that sequence's package as node NAME.
run_chaincode_server() {
  local name="$1" sequence="$2" id
  id="$(package_id "$(package_chaincode "$sequence")")"
  mkdir -p "$PID_DIR"
  echo "$sequence" >"$PID_DIR/$name.sequence"
  start_chaincode_server "$name" "$sequence" "$id"
  wait_healthy "$name"
}

# The server for the committed definition, started (or replaced) when it is not the one running.
ensure_chaincode_server() {
  local sequence
  sequence="$(committed_sequence)"
  ((sequence > 0)) || return 0
  if is_running chaincode && [[ "$(served_sequence chaincode)" == "$sequence" ]]; then
    return 0
  fi
  stop_node chaincode
  run_chaincode_server chaincode "$sequence"
}

# Both peers answer a query through the chaincode: the definition is committed and the service reachable.
chaincode_answers() {
  peer_cli 1 User1 chaincode query -C "$CHANNEL" -n "$CC_NAME" -c '{"Args":["Ping"]}' >/dev/null 2>&1 &&
    peer_cli 2 User1 chaincode query -C "$CHANNEL" -n "$CC_NAME" -c '{"Args":["Ping"]}' >/dev/null 2>&1
}

wait_chaincode_ready() {
  wait_for 60 "both peers to reach the chaincode" chaincode_answers ||
    die "the chaincode does not answer; see $LOG_DIR/chaincode-*.log and the peers' logs"
}

# define_sequence SEQUENCE SERVER_NAME: install, start the server, approve (both orgs at once), commit.
define_sequence() {
  local sequence="$1" server="$2" file id
  file="$(package_chaincode "$sequence")"
  id="$(package_id "$file")"
  in_parallel "installing the chaincode" install_package "$file" "$id"
  stop_node "$server"
  run_chaincode_server "$server" "$sequence"
  in_parallel "approving the chaincode" approve_definition "$sequence" "$id"
  commit_definition "$sequence"
}

# in_parallel WHAT FUNCTION ARGS...: runs FUNCTION 1 ARGS... and FUNCTION 2 ARGS... (one per organisation)
# at the same time, failing if either fails.
in_parallel() {
  local what="$1" fn="$2" pids=() pid failed=0
  shift 2
  "$fn" 1 "$@" &
  pids+=($!)
  "$fn" 2 "$@" &
  pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || die "$what failed"
}

deploy_chaincode() {
  if (("$(committed_sequence)" == 0)); then
    define_sequence 1 chaincode
  else
    ensure_chaincode_server
  fi
  wait_chaincode_ready
}

cmd_upgrade_cc() {
  local current next
  current="$(committed_sequence)"
  ((current > 0)) || die "the chaincode is not deployed; run 'network.sh up' first"
  next=$((current + 1))
  log "upgrading $CC_NAME from sequence $current to $next"
  # The next package's server runs beside the current one until the new definition is committed.
  define_sequence "$next" chaincode-next
  stop_node chaincode
  mv "$(pid_file chaincode-next)" "$(pid_file chaincode)"
  mv "$PID_DIR/chaincode-next.sequence" "$PID_DIR/chaincode.sequence"
  wait_chaincode_ready
  write_network_json
  log "$CC_NAME is at sequence $next, package $(package_id "$(package_chaincode "$next")")"
}
