# Shared helpers for the scripts in this folder. Source it; do not run it.
#
# It finds the repository root, puts the project's tools on PATH ahead of
# anything the system offers, exports the environment the build and the
# browser tests need, and provides small helpers for logging and for the
# mock API server.

# The repository root is the parent of the folder holding this file.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Pinned versions. The wasm-bindgen version is not listed here: it always
# comes from Cargo.lock (see wasm_bindgen_lock_version below).
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"

# Tools that are not Cargo binaries live in a cache outside the repository,
# so that every clone on the same machine shares them.
TOOLS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/api-doctor"
BINARYEN_DIR="$TOOLS_CACHE/binaryen"
# The Python SDK for the snippet test, in a venv of its own (scripts/setup makes it).
SDK_VENV="$TOOLS_CACHE/sdk-venv"
export SDK_PYTHON="$SDK_VENV/bin/python"

# Cargo installs into $CARGO_HOME/bin. The npm binaryen comes first on PATH so
# that Debian's binaryen (which miscompiles today's rustc output) is never
# picked up, even when it happens to be installed.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$BINARYEN_DIR/node_modules/.bin:$CARGO_BIN:$PATH"

# Trunk must not look for newer versions of itself on the network.
export TRUNK_SKIP_VERSION_CHECK=true
# wasm-bindgen-test-runner takes the first driver on PATH unless told.
export CHROMEDRIVER=/usr/bin/chromedriver
# Without this, browser tests run cross-origin isolated, and no-cors fetches
# to the mock fail where a normal page would get an opaque response.
export WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1
# The Chromium binary, for the end-to-end tests.
export CHROMIUM=/usr/bin/chromium

# Cargo's output folder, honouring an override.
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# Logging. Everything goes to stderr except data a caller may want to parse.
info() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints the version of the wasm-bindgen package recorded in Cargo.lock.
wasm_bindgen_lock_version() {
  awk '
    $0 == "name = \"wasm-bindgen\"" { found = 1; next }
    found && /^version = / { gsub(/^version = "|"$/, ""); print; exit }
  ' "$ROOT/Cargo.lock"
}

# Prints the wasm-bindgen version pinned in Trunk.toml's [tools] table.
wasm_bindgen_trunk_version() {
  sed -n 's/^wasm_bindgen *= *"\([^"]*\)".*/\1/p' "$ROOT/Trunk.toml"
}

# Prints seconds since the epoch with a fraction, for step timings.
now() { date +%s.%N; }

# Prints the seconds elapsed since the time given, with one decimal.
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Builds the mock API server (release) and starts it in the background on the
# port given (0 picks a free one). Sets MOCK_PID, MOCK_PORT and MOCK_ORIGIN.
# The caller must arrange to call stop_mock on exit.
start_mock() {
  local port="$1"
  cargo build --quiet -p mock-api --release
  MOCK_BIN="$TARGET_DIR/release/mock-api"
  MOCK_LOG="$(mktemp -t mock-api.XXXXXX)"
  "$MOCK_BIN" --port "$port" >"$MOCK_LOG" 2>&1 </dev/null &
  MOCK_PID=$!
  # Wait up to ten seconds for the line announcing the address.
  local line="" i
  for i in $(seq 1 100); do
    line="$(grep -m1 '^mock-api listening on http://127\.0\.0\.1:[0-9]*' "$MOCK_LOG" || true)"
    [ -n "$line" ] && break
    if ! kill -0 "$MOCK_PID" 2>/dev/null; then
      cat "$MOCK_LOG" >&2
      MOCK_PID=""
      die "the mock API server exited at start (port $port)."
    fi
    sleep 0.1
  done
  [ -n "$line" ] || { cat "$MOCK_LOG" >&2; die "the mock API server did not announce its address."; }
  MOCK_PORT="${line##*:}"
  MOCK_PORT="${MOCK_PORT%%[!0-9]*}"
  MOCK_ORIGIN="http://127.0.0.1:$MOCK_PORT"
}

# Stops the mock API server started by start_mock, by its pid only.
stop_mock() {
  if [ -n "${MOCK_PID:-}" ] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
  fi
  MOCK_PID=""
  [ -n "${MOCK_LOG:-}" ] && rm -f "$MOCK_LOG"
  MOCK_LOG=""
}
