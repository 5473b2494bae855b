#!/usr/bin/env bash
# Generates the Python protobuf/gRPC code of every contract in protos/ into libs/proto/src.
# The output is not committed: `make setup` and `make proto` make it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
out="$root/libs/proto/src"

rm -rf "$out"
mkdir -p "$out"
mapfile -t protos < <(cd "$root/protos" && find payrisk -name '*.proto' | sort)
(cd "$root/protos" && "$python" -m grpc_tools.protoc -I . \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" "${protos[@]}")
# Regular packages (not namespace ones) keep imports and type checking simple.
find "$out/payrisk" -type d -exec touch {}/__init__.py \;
touch "$out/payrisk/py.typed"
echo "generated ${#protos[@]} proto files into libs/proto/src"
