#!/bin/sh
# One-off, at every `docker compose up`: hands the certificates `make certs` made on the host
# (.payrisk/certs, mounted read-only at $CERTS_DIR) to the payrisk containers, one volume each
# ($TLS_DIR/<name>): the certificate as tls.crt, its key as tls.key and the CA as ca.crt, owned by the
# services' user (uid 10001) and the key readable by it alone. The host's key files belong to whoever ran
# `make certs` and are readable by them only, so the containers cannot read them where they are.
set -eu

CERTS_DIR=${CERTS_DIR:-/certs}
TLS_DIR=${TLS_DIR:-/tls}
OWNER=${OWNER:-10001:10001}
# The operator whose certificate the console presents for a signed-in operator's actions.
OPERATOR=${OPERATOR:-admin}

need() {
  if [ ! -f "$CERTS_DIR/$1" ]; then
    echo "tls-init: .payrisk/certs/$1 is missing: run \`make certs\` at the repository root, then \`docker compose up\` again" >&2
    exit 1
  fi
}

# place SOURCE DIRECTORY NAME MODE: through a temporary file renamed over the old one, so that a rerun
# replaces files the services' user owns without needing to write into them.
place() {
  cp "$CERTS_DIR/$1" "$2/.$3.tmp"
  chmod "$4" "$2/.$3.tmp"
  chown "$OWNER" "$2/.$3.tmp"
  mv -f "$2/.$3.tmp" "$2/$3"
}

need ca.pem
need "operator-$OPERATOR.pem"
need "operator-$OPERATOR-key.pem"
for name in ingest risk push ledger console; do
  need "service-$name.pem"
  need "service-$name-key.pem"
done

for name in ingest risk push ledger console; do
  mkdir -p "$TLS_DIR/$name"
  place "service-$name.pem" "$TLS_DIR/$name" tls.crt 0444
  place "service-$name-key.pem" "$TLS_DIR/$name" tls.key 0400
  place ca.pem "$TLS_DIR/$name" ca.crt 0444
done
mkdir -p "$TLS_DIR/console-operator"
place "operator-$OPERATOR.pem" "$TLS_DIR/console-operator" tls.crt 0444
place "operator-$OPERATOR-key.pem" "$TLS_DIR/console-operator" tls.key 0400

echo "tls-init: certificates for ingest, risk, push, ledger, console and operator:$OPERATOR in place"
