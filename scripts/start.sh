#!/usr/bin/env bash
# `npm start` (after the build): the extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3)
# that you open in your browser, on the repo's migrations-sample/ folder. Runs until Ctrl-C.
#
# Environment:
#   PORT=8080                  fixed port (default: a free one); the server listens on 127.0.0.1 only,
#                              from another machine use `ssh -L 8080:127.0.0.1:8080 host`
#   ALEMBIC_LENS_FOLDER=DIR    open another project instead of migrations-sample/
#   ALEMBIC_LENS_NO_TRUST=1    skip the workspace-trust prompt (by default you see it, as users do, and can
#                              try the extension's restricted mode by answering "No")
#   ALEMBIC_LENS_FRESH=1       forget the saved VS Code state (settings, trust decisions, open editors)
# After `npm run build`, run "Developer: Reload Window" in the browser to load the new build.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=vscode-harness.sh
source "$ROOT/scripts/vscode-harness.sh"

FOLDER="$(realpath -m "${ALEMBIC_LENS_FOLDER:-$ROOT/migrations-sample}")"
fail() { echo "[start] ERROR: $*" >&2; exit 1; }

bash "$ROOT/scripts/ensure-system.sh" start || fail "system packages missing (see above)"
harness_install || fail "could not install the VS Code harness (see above)"
[ -f "$ROOT/dist/extension.js" ] || fail "dist/extension.js missing: run \`npm run build\`"
[ -d "$FOLDER" ] || fail "no folder $FOLDER"

# VS Code state persists between sessions in the cache (never in $HOME), like a real installation.
# A second `npm start` at the same time gets a throw-away profile: two servers must not share one.
STATE="$ALEMBIC_LENS_CACHE/start"
mkdir -p "$STATE"
exec {lock_fd}>"$STATE.lock"
TEMP_STATE=
if ! flock -n "$lock_fd"; then
  TEMP_STATE="$(mktemp -d "$ALEMBIC_LENS_CACHE/start-extra.XXXXXX")"
  echo "[start] another \`npm start\` is running: using a throw-away profile ($TEMP_STATE)"
  STATE="$TEMP_STATE"
elif [ -n "${ALEMBIC_LENS_FRESH:-}" ]; then
  rm -rf "${STATE:?}"/* && echo "[start] VS Code state reset"
fi

cleanup() {
  if [ -n "$HARNESS_SERVER_PID" ]; then
    echo
    echo "[start] stopping code-server"
    harness_stop_server
  fi
  [ -z "$TEMP_STATE" ] || rm -rf "$TEMP_STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

extra=()
[ -n "${ALEMBIC_LENS_NO_TRUST:-}" ] && extra+=(--disable-workspace-trust)
t0=$(harness_now)
harness_start_server "$STATE" "$FOLDER" "${extra[@]}" || exit 1
# The extension finds Python like it does for users (Python extension, .venv, PATH...). On this kind of
# machine the Python with Alembic is Debian's, which PATH may shadow (pyenv): point the profile at it
# unless the user chose an interpreter already.
settings="$STATE/user-data/User/settings.json"
if /usr/bin/python3 -c 'import alembic' 2>/dev/null && ! python3 -c 'import alembic' 2>/dev/null && [ -f "$settings" ]; then
  node -e '
    const fs = require("fs"); const file = process.argv[1];
    const s = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!s["alembic.pythonPath"]) { s["alembic.pythonPath"] = "/usr/bin/python3"; fs.writeFileSync(file, JSON.stringify(s, null, 2)); console.log("[start] alembic.pythonPath = /usr/bin/python3 (the Python that has Alembic here)"); }
  ' "$settings"
fi

URL="$(harness_workbench_url "$HARNESS_BASE_URL" "$FOLDER" "$ROOT")"

cat <<EOF

  Alembic Lens in VS Code $(node -p "require('$HARNESS_DIR/node_modules/code-server/lib/vscode/package.json').version" 2>/dev/null) (code-server $HARNESS_CODE_SERVER_VERSION), started in $(harness_elapsed "$t0")s
  folder:    $FOLDER
  extension: $ROOT (development mode)

  Open this URL in your browser (the payload loads the extension under development):

  $URL

  Server log: $STATE/server.log    Stop: Ctrl-C

EOF

# Stay in the foreground until Ctrl-C (the trap stops the server) or until the server exits by itself.
wait "$HARNESS_SERVER_PID"
echo "[start] code-server exited by itself (status $?); last lines of its log:" >&2
tail -n 20 "$STATE/server.log" >&2
exit 1
