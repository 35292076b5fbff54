# Provisioning shared by ./scripts/start and ./scripts/test. Sourced, not run.
# Everything expensive is cached outside the clone, keyed by version, so a fresh clone
# on a machine that has run this before starts in seconds.

TEMPORAL_CLI_VERSION=1.5.1
TEMPORAL_TEST_SERVER_VERSION=1.32.1
SCHEMATHESIS_VERSION=4.32.5
CACHE_ROOT="${PARALLEL_APPROVAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parallel-approval}"

log() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# npm dependencies from the committed lock file, reinstalled when the lock file changes.
ensure_node_modules() {
  command -v node >/dev/null || die "Node.js 20 is required (node not found)"
  if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.lock-installed 2>/dev/null; then
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.lock-installed
  fi
}

# The Temporal CLI (dev server). Order: $TEMPORAL_CLI, `temporal` on PATH, the versioned cache,
# a `go install` into that cache. Exports TEMPORAL_CLI; leaves it empty when none could be had,
# in which case the node side falls back to the SDK's own download (needs internet).
ensure_temporal_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    [ -x "$TEMPORAL_CLI" ] || die "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable"
    export TEMPORAL_CLI; return
  fi
  if command -v temporal >/dev/null; then export TEMPORAL_CLI="$(command -v temporal)"; return; fi
  local dir="$CACHE_ROOT/temporal-cli-$TEMPORAL_CLI_VERSION"
  if [ ! -x "$dir/temporal" ] && command -v go >/dev/null; then
    log "building the Temporal CLI v$TEMPORAL_CLI_VERSION with go install (a few minutes, once; cached in $dir)"
    mkdir -p "$dir"
    if ! CGO_ENABLED=0 GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"; then
      log "go install of the Temporal CLI failed"
    fi
  fi
  if [ -x "$dir/temporal" ]; then export TEMPORAL_CLI="$dir/temporal"; return; fi
  log "no Temporal CLI available; the SDK will try to download one"
  export TEMPORAL_CLI=""
}

# Temporal's Java time-skipping test server from Maven Central, with a wrapper that execs java
# (so the SDK can kill it). Exports TEMPORAL_TEST_SERVER.
ensure_test_server() {
  local dir="$CACHE_ROOT/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
  local first_jar=""
  [ -f "$dir/classpath.txt" ] && first_jar="$(cut -d: -f1 "$dir/classpath.txt")"
  if [ -z "$first_jar" ] || [ ! -f "$first_jar" ]; then
    command -v java >/dev/null || apt_install openjdk-17-jre-headless
    command -v mvn >/dev/null || apt_install maven
    log "resolving io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION from Maven Central (once; cached in $dir)"
    mkdir -p "$dir"
    cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.parallel-approval</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEMPORAL_TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
    mvn -q -B -f "$dir/pom.xml" dependency:build-classpath -Dmdep.outputFile="$dir/classpath.txt" >&2 \
      || die "could not resolve the Temporal test server from Maven Central"
  fi
  cat >"$dir/test-server" <<'WRAP'
#!/bin/sh
# Temporal's time-skipping test server; the first argument is the port.
exec java -Xss2m -cp "$(cat "$(dirname "$0")/classpath.txt")" io.temporal.testserver.TestServer "$@"
WRAP
  chmod +x "$dir/test-server"
  export TEMPORAL_TEST_SERVER="$dir/test-server"
}

# Schemathesis (from PyPI, in a virtualenv of its own) for the schema-driven fuzz run over the
# OpenAPI document (test/e2e/api-fuzz.test.ts). Exports SCHEMATHESIS; empty when it could not be
# installed (the fuzz test then fails, saying why).
ensure_schemathesis() {
  local dir="$CACHE_ROOT/schemathesis-$SCHEMATHESIS_VERSION"
  if [ ! -x "$dir/bin/st" ]; then
    command -v python3 >/dev/null || apt_install python3
    python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
    log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI (once; cached in $dir)"
    rm -rf "$dir"
    if ! { python3 -m venv "$dir" && "$dir/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2; }; then
      log "could not install schemathesis"
      rm -rf "$dir"
    fi
  fi
  if [ -x "$dir/bin/st" ]; then export SCHEMATHESIS="$dir/bin/st"; else export SCHEMATHESIS=""; fi
}

TEMPORAL_SERVER_VERSION=1.29.1

# The Temporal server and its schema tool (temporal-sql-tool) for ./scripts/cluster, built from
# the Go module proxy, with the module's PostgreSQL schema copied beside them (the schema tool
# reads it from disk). Exports TEMPORAL_SERVER_DIR (holding server, sql and schema/).
ensure_temporal_server() {
  local dir="$CACHE_ROOT/temporal-server-$TEMPORAL_SERVER_VERSION"
  local module="go.temporal.io/server@v$TEMPORAL_SERVER_VERSION"
  if [ ! -x "$dir/server" ] || [ ! -x "$dir/sql" ]; then
    command -v go >/dev/null || die "Go is required to build the Temporal server (go not found)"
    log "building the Temporal server v$TEMPORAL_SERVER_VERSION with go install (several minutes, once; cached in $dir)"
    mkdir -p "$dir"
    CGO_ENABLED=0 GOBIN="$dir" GOFLAGS=-mod=mod go install \
      "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" \
      "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION" \
      || die "go install of the Temporal server failed"
  fi
  if [ ! -d "$dir/schema/postgresql/v12" ]; then
    command -v go >/dev/null || die "Go is required to fetch the Temporal schema (go not found)"
    local module_dir
    module_dir="$(GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -d "$module_dir/schema/postgresql/v12" ] || die "no PostgreSQL schema in $module"
    rm -rf "$dir/schema.tmp"
    mkdir -p "$dir/schema.tmp/postgresql"
    cp -R "$module_dir/schema/postgresql/v12" "$dir/schema.tmp/postgresql/"
    chmod -R u+w "$dir/schema.tmp" # the module cache is read-only
    mv "$dir/schema.tmp" "$dir/schema"
  fi
  export TEMPORAL_SERVER_DIR="$dir"
}

# The web console (console/, React + Vite) built into console/dist, rebuilt only when its inputs
# changed: a hash of its sources, the lock file and the domain rules it bundles, kept in
# console/dist/.build-stamp.
ensure_console_build() {
  local stamp_file=console/dist/.build-stamp stamp
  stamp="$( { find console -path console/dist -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum; \
              sha256sum package-lock.json domain/identifiers.ts; } | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then return; fi
  log "building the console (vite build into console/dist)"
  npm run --silent console:build >&2 || die "the console build failed"
  printf '%s\n' "$stamp" >"$stamp_file"
}

# Debian's Chromium and a CJK font for the browser tests (test/e2e/console.test.ts, driven by
# playwright-core), installed when missing. Exports CHROMIUM.
ensure_chromium() {
  # (grep reads fc-list to the end: with -q it would stop early, and pipefail would see fc-list's SIGPIPE)
  if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null; then
    apt_install chromium fonts-noto-cjk
  fi
  export CHROMIUM=/usr/bin/chromium
}
