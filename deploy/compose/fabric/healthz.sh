#!/usr/bin/env bash
# Health check of a Fabric node: GET /healthz on its operations endpoint (port $1, default 9443).
# The official images have no HTTP client, so bash talks HTTP itself.
set -euo pipefail
exec 3<>"/dev/tcp/127.0.0.1/${1:-9443}"
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
head -n 1 <&3 | grep -q ' 200 '
