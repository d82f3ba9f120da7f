#!/usr/bin/env bash
# The "real VS Code" harness: code-server (VS Code web workbench + a Node extension host) driven
# by headless Chromium through playwright-core. Shared by scripts/start.sh and scripts/vscode-test.sh.
#
#   source scripts/vscode-harness.sh        defines the harness_* functions below
#   bash scripts/vscode-harness.sh install  installs the harness into the cache (idempotent)
#   bash scripts/vscode-harness.sh path     prints the harness folder
#
# The harness lives OUTSIDE the repo, in ${ALEMBIC_LENS_CACHE:-~/.cache/alembic-lens}/harness-<ver>/,
# so every clone (and CI, if it caches that folder) reuses one ~320 MB install.
# Needs the Debian packages from `scripts/ensure-system.sh vscode`.

HARNESS_CODE_SERVER_VERSION=4.100.3 # = VS Code 1.100.3; the newest code-server that runs on Node 20
HARNESS_PLAYWRIGHT_VERSION=1.65.1
# @vscode/ripgrep as pinned by code-server 4.100.3 (lib/vscode/npm-shrinkwrap.json), and the ripgrep
# release it downloads: we hand it Debian's rg instead, see harness_seed_ripgrep.
HARNESS_RIPGREP_PKG_VERSION=1.15.11
HARNESS_RIPGREP_TAG=v13.0.0-10

HARNESS_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALEMBIC_LENS_CACHE="${ALEMBIC_LENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alembic-lens}"
HARNESS_DIR="$ALEMBIC_LENS_CACHE/harness-$HARNESS_CODE_SERVER_VERSION"
HARNESS_ENTRY="$HARNESS_DIR/node_modules/code-server/out/node/entry.js"

harness_log() { echo "[vscode-harness $(date +%T)] $*"; }
harness_err() { echo "[vscode-harness $(date +%T)] ERROR: $*" >&2; }
harness_now() { date +%s.%N; }
harness_elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# What the install stamp records: a different Node ABI means the native modules must be rebuilt.
harness_signature() {
  echo "code-server@$HARNESS_CODE_SERVER_VERSION playwright-core@$HARNESS_PLAYWRIGHT_VERSION node-abi@$(node -p process.versions.modules) $(uname -m)"
}

harness_is_installed() {
  [ -f "$HARNESS_DIR/.installed" ] && [ "$(cat "$HARNESS_DIR/.installed")" = "$(harness_signature)" ] &&
    [ -f "$HARNESS_ENTRY" ] && [ -f "$HARNESS_DIR/node_modules/playwright-core/package.json" ]
}

# @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable here) unless it finds the release
# tarball in $TMPDIR/vscode-ripgrep-cache-<pkg version>/. We put Debian's rg there under that name.
harness_seed_ripgrep() {
  local tmp="$1" target rg dir work
  case "$(uname -m)" in
    x86_64) target=x86_64-unknown-linux-musl ;;
    aarch64 | arm64) target=aarch64-unknown-linux-musl ;;
    *) harness_err "no ripgrep mapping for $(uname -m)"; return 1 ;;
  esac
  rg="$(command -v rg)" || { harness_err "ripgrep (rg) is not installed: run scripts/ensure-system.sh vscode"; return 1; }
  dir="$tmp/vscode-ripgrep-cache-$HARNESS_RIPGREP_PKG_VERSION"
  work="$(mktemp -d "$tmp/rg.XXXXXX")"
  mkdir -p "$dir" && cp "$rg" "$work/rg" &&
    tar czf "$dir/ripgrep-$HARNESS_RIPGREP_TAG-$target.tar.gz" -C "$work" rg
  local rc=$?
  rm -rf "$work"
  return $rc
}

# Installs code-server + playwright-core into $HARNESS_DIR. Fast no-op when already installed.
# A lock makes parallel runs (several clones, CI jobs) wait for one install instead of racing.
harness_install() {
  harness_is_installed && return 0
  mkdir -p "$HARNESS_DIR" || return 1
  local lock_fd
  exec {lock_fd}>"$HARNESS_DIR.lock"
  if ! flock -n "$lock_fd"; then
    harness_log "another process is installing the harness; waiting for it (up to 15 min)"
    flock -w 900 "$lock_fd" || { harness_err "timed out waiting for $HARNESS_DIR.lock"; exec {lock_fd}>&-; return 1; }
  fi
  if harness_is_installed; then exec {lock_fd}>&-; return 0; fi

  local t0 log nodedir rc
  t0=$(harness_now)
  log="$HARNESS_DIR/install.log"
  harness_log "installing code-server@$HARNESS_CODE_SERVER_VERSION + playwright-core@$HARNESS_PLAYWRIGHT_VERSION into $HARNESS_DIR"
  harness_log "(first time only: under a minute, ~320 MB; native modules are compiled; log: $log)"
  # Start from a clean slate: a half-finished install would skip the postinstall steps on retry.
  rm -rf "$HARNESS_DIR/node_modules" "$HARNESS_DIR/package-lock.json" "$HARNESS_DIR/.installed" "$HARNESS_DIR/tmp"
  mkdir -p "$HARNESS_DIR/tmp"
  cat >"$HARNESS_DIR/package.json" <<EOF
{
  "name": "alembic-lens-vscode-harness",
  "private": true,
  "description": "Real VS Code (code-server) + headless Chromium driver for alembic-lens tests. Created by scripts/vscode-harness.sh.",
  "dependencies": {
    "code-server": "$HARNESS_CODE_SERVER_VERSION",
    "playwright-core": "$HARNESS_PLAYWRIGHT_VERSION"
  }
}
EOF
  harness_seed_ripgrep "$HARNESS_DIR/tmp" || { exec {lock_fd}>&-; return 1; }
  # node-gyp must build against the local Node headers (nodejs.org is unreachable).
  nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}"
  [ -f "$nodedir/include/node/node.h" ] || harness_log "warning: no Node headers in $nodedir/include/node; native builds may try to download them"
  (
    cd "$HARNESS_DIR" || exit 1
    export TMPDIR="$HARNESS_DIR/tmp"          # where @vscode/ripgrep looks for its cached tarball
    export npm_config_unsafe_perm=true        # code-server's postinstall refuses to run as root without it
    export npm_config_yes=true                # node-pty's postinstall runs `npx node-gyp`: must not prompt
    export npm_config_nodedir="$nodedir"      # local headers for node-gyp
    export npm_config_ignore_scripts=false npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
    npm install --no-audit --no-fund --loglevel=warn
  ) >"$log" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && [ ! -x "$HARNESS_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]; then
    echo "ripgrep binary missing after install" >>"$log"; rc=1
  fi
  if [ $rc -eq 0 ] && ! (cd "$HARNESS_DIR" && node -e "require('playwright-core')") >>"$log" 2>&1; then
    echo "playwright-core does not load" >>"$log"; rc=1
  fi
  if [ $rc -ne 0 ]; then
    harness_err "harness install failed (npm exit $rc). Last lines of $log:"
    tail -n 40 "$log" >&2
    rm -rf "$HARNESS_DIR/node_modules" # so the next run starts clean
    exec {lock_fd}>&-
    return 1
  fi
  rm -rf "$HARNESS_DIR/tmp"
  harness_signature >"$HARNESS_DIR/.installed"
  harness_log "harness installed in $(harness_elapsed "$t0")s"
  exec {lock_fd}>&-
}

harness_free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# harness_start_server <run dir> <folder> [extra code-server args...]
# Starts code-server on 127.0.0.1 (port $PORT, else a free one) in its own session, with all
# state (user data, extensions, XDG dirs) under <run dir>. Sets HARNESS_SERVER_PID (= its session id),
# HARNESS_PORT, HARNESS_BASE_URL. The extension host inherits this process's environment, which is how
# tests receive ALEMBIC_LENS_* variables.
HARNESS_SERVER_PID=
harness_start_server() {
  local run="$1" folder="$2" attempt port log
  shift 2
  log="$run/server.log"
  mkdir -p "$run"/{user-data/User,extensions,xdg-config,xdg-data,xdg-cache}
  # Quiet, offline-friendly defaults; the user may change them in the UI (kept in <run>/user-data).
  # HARNESS_EXTRA_SETTINGS: more `"key": value` pairs, comma-separated.
  [ -f "$run/user-data/User/settings.json" ] || cat >"$run/user-data/User/settings.json" <<EOF
{
  ${HARNESS_EXTRA_SETTINGS:+$HARNESS_EXTRA_SETTINGS,}
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "workbench.colorTheme": "Default Dark Modern"
}
EOF
  for attempt in 1 2 3; do
    port="${PORT:-$(harness_free_port)}"
    # Our own config file, so the user's ~/.config/code-server/config.yaml (password, port) plays no part.
    printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$port" >"$run/config.yaml"
    # setsid: own session, so harness_stop_server can end code-server AND the helpers it spawns
    # (file watcher, extension host), which outlive a plain kill of the main process.
    XDG_CONFIG_HOME="$run/xdg-config" XDG_DATA_HOME="$run/xdg-data" XDG_CACHE_HOME="$run/xdg-cache" \
      setsid node "$HARNESS_ENTRY" --config "$run/config.yaml" \
      --bind-addr "127.0.0.1:$port" --auth none \
      --user-data-dir "$run/user-data" --extensions-dir "$run/extensions" \
      --disable-telemetry --disable-update-check --disable-getting-started-override --ignore-last-opened \
      "$@" "$folder" >"$log" 2>&1 </dev/null &
    HARNESS_SERVER_PID=$!
    HARNESS_PORT=$port
    HARNESS_BASE_URL="http://127.0.0.1:$port"
    local i
    for i in $(seq 1 300); do # up to 30 s
      curl -sf -o /dev/null "$HARNESS_BASE_URL/healthz" && return 0
      kill -0 "$HARNESS_SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    harness_stop_server
    # A port grabbed by someone else between picking and binding: try another one.
    if [ -z "${PORT:-}" ] && grep -q EADDRINUSE "$log" 2>/dev/null && [ $attempt -lt 3 ]; then continue; fi
    harness_err "code-server did not start (see $log):"
    tail -n 30 "$log" >&2
    return 1
  done
}

# Processes of the session a `setsid` child leads. The session, not the process group: Playwright starts
# Chromium in a process group of its own, and helpers may do the same; they all stay in the session.
harness_session_pids() { ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }

# Ends everything in a session started with setsid: TERM, up to 5 s grace, then KILL.
harness_kill_session() {
  local sid="$1" pids i
  [ -n "$sid" ] || return 0
  pids=$(harness_session_pids "$sid")
  [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
  for i in $(seq 1 50); do
    [ -z "$(harness_session_pids "$sid")" ] && break
    sleep 0.1
  done
  pids=$(harness_session_pids "$sid")
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  wait "$sid" 2>/dev/null
  return 0
}

harness_stop_server() {
  harness_kill_session "$HARNESS_SERVER_PID"
  HARNESS_SERVER_PID=
}

# URL that opens <folder> with the extension at <ext path> loaded in development mode
# (the same `payload` the VS Code test runner uses; code-server uses the Host as remote authority).
harness_workbench_url() {
  local base="$1" folder="$2" ext="$3"
  node -e '
    const [base, folder, ext] = process.argv.slice(1);
    const payload = [["extensionDevelopmentPath", `vscode-remote://${new URL(base).host}${ext}`],
                     ["skipWelcome", "true"], ["skipReleaseNotes", "true"]];
    console.log(`${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  ' "$base" "$folder" "$ext"
}

# Run as a command rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  case "${1:-}" in
    install) bash "$HARNESS_REPO_ROOT/scripts/ensure-system.sh" vscode && harness_install && harness_log "ready: $HARNESS_DIR" ;;
    path) echo "$HARNESS_DIR" ;;
    *) echo "usage: $0 install|path" >&2; exit 2 ;;
  esac
fi
