#!/bin/sh
# Starts the payrisk chaincode service. Its package id is only known once the package has been installed on
# the peers, so a deployment may hand it over in a file (CHAINCODE_ID_FILE, written by the network's setup)
# instead of the CHAINCODE_ID variable.
set -eu
if [ -z "${CHAINCODE_ID:-}" ]; then
  if [ -z "${CHAINCODE_ID_FILE:-}" ] || [ ! -s "${CHAINCODE_ID_FILE}" ]; then
    echo "chaincode: set CHAINCODE_ID, or CHAINCODE_ID_FILE to a file holding the package id" >&2
    exit 1
  fi
  CHAINCODE_ID="$(cat "${CHAINCODE_ID_FILE}")"
fi
export CHAINCODE_ID
# fabric-chaincode-python's contract API reads this name too.
export CORE_CHAINCODE_ID_NAME="${CHAINCODE_ID}"
echo "chaincode: ${CHAINCODE_ID} listening on ${CHAINCODE_SERVER_ADDRESS}"
exec python -m payrisk_chaincode
