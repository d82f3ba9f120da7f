#!/usr/bin/env bash
# The `vsix` test tier: the extension as a user gets it. `npm run package` makes alembic-lens.vsix; code-server
# installs it (`--install-extension`) into an empty extensions folder of a clean profile; the workbench opens
# migrations-sample with no development extension, so only the installed copy can run. Checks, one test each:
#   1. the .vsix holds what runs and nothing else (no sources, tests, maps or command-line bundles)
#   2. it installs into the clean profile
#   3. it activates there: the Alembic view lists the sample's revisions (screenshot vsix-installed.png)
#   4. its walkthrough opens from the palette (screenshot walkthrough.png)
#
#   scripts/vsix-test.sh [resultFile]
# Writes {"tier":"vsix","passed":N,"failed":N,"skipped":0} to resultFile (a crash still reports a failure).
# Rebuilds the development bundles at the end (packaging leaves production ones in dist/).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=vscode-harness.sh
source "$ROOT/scripts/vscode-harness.sh"

RESULT="$(realpath -m "${1:-$ROOT/test-output/results/vsix.json}")"
LOGS="$ROOT/test-output/vsix"
SHOTS="$ROOT/test-output/screenshots"
RUN="$ALEMBIC_LENS_CACHE/runs/vsix-test-$(date +%Y%m%d-%H%M%S)-$$"
VSIX="$RUN/alembic-lens.vsix"
# The sample's revisions, as the tree shows their short ids.
SAMPLE_HEAD=92404fb

log() { echo "[vsix-test $(date +%T)] $*"; }
PASSED=0 FAILED=0
write_result() {
  mkdir -p "$(dirname "$RESULT")"
  printf '{"tier":"vsix","passed":%d,"failed":%d,"skipped":0}\n' "$1" "$2" >"$RESULT.tmp" && mv "$RESULT.tmp" "$RESULT"
}
write_result 0 1
check() { # check <name> <command...>: one test
  local name="$1"
  shift
  if "$@"; then
    log "passed: $name"
    PASSED=$((PASSED + 1))
  else
    log "FAILED: $name"
    FAILED=$((FAILED + 1))
  fi
}

DRIVER_PID=
OK=0
cleanup() {
  harness_kill_session "$DRIVER_PID"
  harness_stop_server
  rm -f "$ROOT/alembic-lens.vsix"
  (cd "$ROOT" && node scripts/build.mjs) || log "could not rebuild the development bundles: run npm run build"
  if [ "$OK" = 1 ]; then rm -rf "$RUN"; else log "run folder kept for inspection: $RUN"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

bash "$ROOT/scripts/ensure-system.sh" vsix || { log "ERROR: system packages missing (see above)"; exit 1; }
harness_install || { log "ERROR: could not install the VS Code harness (see above)"; exit 1; }
rm -rf "$LOGS" && mkdir -p "$LOGS" "$RUN" "$SHOTS"

package() {
  (cd "$ROOT" && npm run package) >"$LOGS/package.log" 2>&1 && mv "$ROOT/alembic-lens.vsix" "$VSIX"
}
# What the .vsix ships: every file must be one the extension uses at run time (the rule docs are the lint
# diagnostics' links), and the bundle is there.
contents_are_runtime_only() {
  local files unexpected
  files="$(unzip -Z1 "$VSIX" | grep '^extension/')" || return 1
  echo "$files" >"$LOGS/contents.txt"
  unexpected="$(echo "$files" | grep -Ev '^extension/(package\.json|readme\.md|changelog\.md|LICENSE\.txt|dist/(extension|unicodeNames|pgParser)\.js|dist/libpg-query\.wasm|docs/rules/[a-z0-9-]+\.md|media/(alembic\.svg|icon\.png|(graph|python|screenshots|walkthrough)/.+)|node_modules/(better-sqlite3|bindings|file-uri-to-path)/.+)$')"
  [ -z "$unexpected" ] || { log "not used at run time, yet in the .vsix: $(echo "$unexpected" | tr '\n' ' ')"; return 1; }
  grep -qx 'extension/dist/extension.js' <<<"$files" &&
    grep -qx 'extension/dist/pgParser.js' <<<"$files" && grep -qx 'extension/dist/libpg-query.wasm' <<<"$files" &&
    grep -qx 'extension/node_modules/better-sqlite3/build/Release/better_sqlite3.node' <<<"$files"
}
install_vsix() {
  mkdir -p "$RUN/server/extensions" "$RUN/server/user-data"
  node "$HARNESS_ENTRY" --user-data-dir "$RUN/server/user-data" --extensions-dir "$RUN/server/extensions" \
    --install-extension "$VSIX" >"$LOGS/install.log" 2>&1 &&
    ls -d "$RUN/server/extensions"/alembic-lens.alembic-lens-* >/dev/null 2>&1
}
# Opens the sample in the clean profile (no development extension) and waits for the head's row.
activates_on_sample() {
  local ws="$RUN/ws/migrations-sample"
  node "$ROOT/out/test/support/sampleCopy.js" "$ws" || return 1
  harness_start_server "$RUN/server" "$ws" --disable-workspace-trust || return 1
  setsid timeout -k 10 150 node "$ROOT/scripts/vscode-driver.mjs" --mode screenshot --harness "$HARNESS_DIR" \
    --base "$HARNESS_BASE_URL" --folder "$ws" --profile "$RUN/chromium" --timeout 60 --log "$LOGS/driver.log" \
    --row-text "$SAMPLE_HEAD" --png "$SHOTS/vsix-installed.png" \
    --walkthrough 'Get Started with Alembic Lens' --walkthrough-png "$SHOTS/walkthrough.png" &
  DRIVER_PID=$!
  wait "$DRIVER_PID"
  log "driver exit $?; see test-output/vsix/driver.log"
  harness_kill_session "$DRIVER_PID"
  DRIVER_PID=
  # The picture is taken once the row is there; the walkthrough's own check follows.
  [ -s "$SHOTS/vsix-installed.png" ]
}

rm -f "$SHOTS/vsix-installed.png" "$SHOTS/walkthrough.png"
t0=$(harness_now)
check "npm run package makes the .vsix" package
if [ -s "$VSIX" ]; then
  check "the .vsix ships only what runs (list: test-output/vsix/contents.txt)" contents_are_runtime_only
  check "code-server installs the .vsix into a clean profile" install_vsix
  check "the installed extension activates on migrations-sample and lists its revisions" activates_on_sample
  check "its walkthrough opens from the palette" test -s "$SHOTS/walkthrough.png"
else
  FAILED=$((FAILED + 4)) # the four checks below it could not run
fi
write_result "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ] && OK=1
log "vsix tier: $PASSED passed, $FAILED failed ($(harness_elapsed "$t0")s; screenshots in ${SHOTS#"$ROOT"/}/)"
exit $((FAILED > 0))
