#!/bin/sh
# Starts a peer with the image's own core.yaml, Docker switched off. Chaincode runs as a service here (the
# ccaas external builder, which the image's core.yaml already configures), so the peer needs no Docker; but
# core.yaml points vm.endpoint at the Docker socket, and an empty CORE_VM_ENDPOINT is ignored by Fabric 2.5,
# so the endpoint is blanked in a copy of the file. Without it the peer reports itself unhealthy.
set -eu
config_dir="${PEER_CONFIG_DIR:-/tmp/peercfg}"
mkdir -p "$config_dir"
sed 's#^\([[:space:]]*endpoint:\)[[:space:]]*unix:///var/run/docker.sock#\1 ""#' \
  /etc/hyperledger/fabric/core.yaml > "$config_dir/core.yaml"
export FABRIC_CFG_PATH="$config_dir"
exec peer node start
