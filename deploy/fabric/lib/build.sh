# shellcheck shell=bash
# `network.sh build`: Fabric's commands and the ccaas builder, pinned to FABRIC_COMMIT. Sourced, never run.
#
# Where the binaries come from, first match wins:
#   1. FABRIC_BIN_DIR: a directory of official release binaries (the ccaas builder is taken from the release's
#      builders/ccaas, or FABRIC_CCAAS_BUILDER_DIR, or built like below);
#   2. .cache/fabric/bin and .cache/fabric/ccaas/bin, when their stamp names the pinned commit;
#   3. FABRIC_SRC_DIR (default .cache/fabric/src when it exists): a Fabric source tree of the pinned release,
#      built with `go build -mod=vendor`;
#   4. `go install <module>/cmd/...@<commit>` through the Go module proxy.
# Exit status 3 means no binaries could be had (the tests skip on it instead of failing).

BUILD_BIN_DIR="$FABRIC_CACHE_DIR/bin"
BUILD_CCAAS_DIR="$FABRIC_CACHE_DIR/ccaas"
STAMP_NAME=".payrisk-fabric-commit"
EXIT_NO_BINARIES=3

# Set by resolve_binaries: the directory holding peer, orderer...; the builder directory (with bin/ inside).
FABRIC_BIN=""
CCAAS_BUILDER_DIR=""

has_commands() {
  local dir="$1" cmd
  shift
  for cmd in "$@"; do [[ -x "$dir/$cmd" ]] || return 1; done
}

stamp_matches() { [[ -f "$1/$STAMP_NAME" && "$(cat "$1/$STAMP_NAME")" == "$FABRIC_COMMIT" ]]; }

# The flags Fabric's own Makefile passes, so `peer version` reports the release instead of "latest".
version_ldflags() {
  printf -- '-X %s/common/metadata.Version=%s -X %s/common/metadata.CommitSHA=%s' \
    "$FABRIC_MODULE" "$FABRIC_VERSION" "$FABRIC_MODULE" "${FABRIC_COMMIT:0:12}"
}

no_binaries() {
  cat >&2 <<EOF
fabric: error: could not obtain Fabric $FABRIC_VERSION's commands ($1).
fabric: either point FABRIC_BIN_DIR at the bin/ folder of an official release
fabric:   (hyperledger-fabric-linux-amd64-$FABRIC_VERSION.tar.gz, which also holds builders/ccaas),
fabric: or point FABRIC_SRC_DIR at a Fabric source tree of commit $FABRIC_COMMIT (with its vendor/ folder),
fabric: then run 'deploy/fabric/network.sh build' again.
EOF
  exit "$EXIT_NO_BINARIES"
}

require_go() {
  command -v go >/dev/null 2>&1 || no_binaries "there is no Go toolchain on PATH"
}

# Fabric source trees carry their release notes; a checkout must be at the pinned commit itself.
check_source_tree() {
  local src="$1" head
  [[ -f "$src/go.mod" && -d "$src/cmd/peer" ]] || no_binaries "$src is not a Fabric source tree"
  if [[ -d "$src/.git" ]]; then
    head="$(git -C "$src" rev-parse HEAD)"
    [[ $head == "$FABRIC_COMMIT" ]] || no_binaries "$src is at commit $head, not $FABRIC_COMMIT"
  elif [[ ! -f "$src/release_notes/v$FABRIC_VERSION.md" ]]; then
    no_binaries "$src has no release_notes/v$FABRIC_VERSION.md: not a $FABRIC_VERSION source tree"
  fi
}

build_from_source() {
  local src="$1" out="$2" pkgs=() cmd
  check_source_tree "$src"
  require_go
  for cmd in "${FABRIC_COMMANDS[@]}"; do pkgs+=("./cmd/$cmd"); done
  log "building ${FABRIC_COMMANDS[*]} from the source tree $src"
  (cd "$src" && GOFLAGS="-mod=vendor -trimpath -buildvcs=false" go build -ldflags "$(version_ldflags)" -o "$out/" "${pkgs[@]}") ||
    no_binaries "go build in $src failed"
}

build_ccaas_from_source() {
  local src="$1/ccaas_builder" out="$2" flags="-trimpath -buildvcs=false" pkgs=() cmd
  require_go
  [[ -d "$src/vendor" ]] && flags="-mod=vendor $flags"
  for cmd in "${CCAAS_COMMANDS[@]}"; do pkgs+=("./cmd/$cmd"); done
  log "building the ccaas builder from the source tree $src"
  (cd "$src" && GOFLAGS="$flags" go build -o "$out/" "${pkgs[@]}") || no_binaries "go build in $src failed"
}

# go_install OUT MODULE_PATH COMMANDS...: installs MODULE_PATH/cmd/<command>@FABRIC_COMMIT into OUT.
go_install() {
  local out="$1" module="$2" pkgs=() cmd errors reason
  shift 2
  require_go
  for cmd in "$@"; do pkgs+=("$module/cmd/$cmd@$FABRIC_COMMIT"); done
  log "go install ${pkgs[*]}"
  errors="$(mktemp)"
  if ! GOBIN="$out" GOFLAGS="-trimpath" go install -ldflags "$(version_ldflags)" "${pkgs[@]}" 2>"$errors"; then
    cat "$errors" >&2
    reason="$(grep -m1 -v '^go: downloading' "$errors" || true)"
    rm -f "$errors"
    no_binaries "go install failed: ${reason:-see the output above}"
  fi
  rm -f "$errors"
}

# Builds into a scratch folder and moves the result in place with its stamp, so an interrupted build never
# leaves a half-filled cache that looks complete.
build_fabric_commands() {
  local src="${FABRIC_SRC_DIR:-}" scratch
  if [[ -z $src && -f "$FABRIC_CACHE_DIR/src/go.mod" ]]; then src="$FABRIC_CACHE_DIR/src"; fi
  scratch="$(mktemp -d "$FABRIC_CACHE_DIR/bin.build.XXXXXX")"
  chmod 755 "$scratch"
  # shellcheck disable=SC2064 # the path is fixed now; a failed build (which exits) leaves nothing behind
  trap "rm -rf '$scratch'" EXIT
  if [[ -n $src ]]; then
    build_from_source "$src" "$scratch"
  else
    go_install "$scratch" "$FABRIC_MODULE" "${FABRIC_COMMANDS[@]}"
  fi
  echo "$FABRIC_COMMIT" >"$scratch/$STAMP_NAME"
  rm -rf "$BUILD_BIN_DIR"
  mv "$scratch" "$BUILD_BIN_DIR"
  trap - EXIT
}

build_ccaas_builder() {
  local src="${FABRIC_SRC_DIR:-}" scratch
  if [[ -z $src && -f "$FABRIC_CACHE_DIR/src/ccaas_builder/go.mod" ]]; then src="$FABRIC_CACHE_DIR/src"; fi
  scratch="$(mktemp -d "$FABRIC_CACHE_DIR/ccaas.build.XXXXXX")"
  chmod 755 "$scratch"
  # shellcheck disable=SC2064 # as above
  trap "rm -rf '$scratch'" EXIT
  mkdir -p "$scratch/bin"
  if [[ -n $src ]]; then
    build_ccaas_from_source "$src" "$scratch/bin"
  else
    # A nested module without tags of its own: the commit resolves to a v0.0.0 pseudo-version.
    go_install "$scratch/bin" "$FABRIC_MODULE/ccaas_builder" "${CCAAS_COMMANDS[@]}"
  fi
  echo "$FABRIC_COMMIT" >"$scratch/bin/$STAMP_NAME"
  rm -rf "$BUILD_CCAAS_DIR"
  mv "$scratch" "$BUILD_CCAAS_DIR"
  trap - EXIT
}

# The ccaas builder beside official release binaries: <release>/builders/ccaas/bin/{detect,build,release}.
release_ccaas_dir() {
  local candidate
  for candidate in "${FABRIC_CCAAS_BUILDER_DIR:-}" "$FABRIC_BIN_DIR/../builders/ccaas" "$FABRIC_BIN_DIR/builders/ccaas"; do
    if [[ -n $candidate ]] && has_commands "$candidate/bin" "${CCAAS_COMMANDS[@]}"; then
      (cd "$candidate" && pwd)
      return 0
    fi
  done
  return 1
}

# Sets FABRIC_BIN and CCAAS_BUILDER_DIR when the binaries are already there (builds nothing).
locate_binaries() {
  if [[ -n ${FABRIC_BIN_DIR:-} ]]; then
    has_commands "$FABRIC_BIN_DIR" "${FABRIC_COMMANDS[@]}" || return 1
    FABRIC_BIN="$(cd "$FABRIC_BIN_DIR" && pwd)"
    if ! CCAAS_BUILDER_DIR="$(release_ccaas_dir)"; then
      stamp_matches "$BUILD_CCAAS_DIR/bin" && has_commands "$BUILD_CCAAS_DIR/bin" "${CCAAS_COMMANDS[@]}" || return 1
      CCAAS_BUILDER_DIR="$BUILD_CCAAS_DIR"
    fi
    return 0
  fi
  stamp_matches "$BUILD_BIN_DIR" && has_commands "$BUILD_BIN_DIR" "${FABRIC_COMMANDS[@]}" || return 1
  stamp_matches "$BUILD_CCAAS_DIR/bin" && has_commands "$BUILD_CCAAS_DIR/bin" "${CCAAS_COMMANDS[@]}" || return 1
  FABRIC_BIN="$BUILD_BIN_DIR"
  CCAAS_BUILDER_DIR="$BUILD_CCAAS_DIR"
}

# Sets FABRIC_BIN and CCAAS_BUILDER_DIR, building whatever is missing.
resolve_binaries() {
  locate_binaries && return 0
  mkdir -p "$FABRIC_CACHE_DIR"
  if [[ -n ${FABRIC_BIN_DIR:-} ]]; then
    has_commands "$FABRIC_BIN_DIR" "${FABRIC_COMMANDS[@]}" ||
      no_binaries "FABRIC_BIN_DIR=$FABRIC_BIN_DIR lacks one of ${FABRIC_COMMANDS[*]}"
  elif ! stamp_matches "$BUILD_BIN_DIR" || ! has_commands "$BUILD_BIN_DIR" "${FABRIC_COMMANDS[@]}"; then
    build_fabric_commands
  fi
  if [[ -z ${FABRIC_BIN_DIR:-} ]] || ! release_ccaas_dir >/dev/null; then
    if ! stamp_matches "$BUILD_CCAAS_DIR/bin" || ! has_commands "$BUILD_CCAAS_DIR/bin" "${CCAAS_COMMANDS[@]}"; then
      build_ccaas_builder
    fi
  fi
  locate_binaries || die "the binaries are still missing after the build"
}

cmd_build() {
  local started
  started=$(now_ms)
  resolve_binaries
  log "Fabric $FABRIC_VERSION commands in $FABRIC_BIN, ccaas builder in $CCAAS_BUILDER_DIR/bin ($(($(now_ms) - started)) ms)"
}
