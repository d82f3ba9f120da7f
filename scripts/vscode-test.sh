#!/usr/bin/env bash
# The `vscode` test tier: the mocha suite in test/vscode/ runs inside a real VS Code extension host
# (code-server 4.100.3 = VS Code 1.100.3, driven by headless Chromium), then UI steps open the "Alembic"
# view container and screenshot its views, and walk through the daily loop from the palette and the tree.
#
#   scripts/vscode-test.sh [resultFile]               normal run (scripts/test.mjs passes resultFile)
#   scripts/vscode-test.sh --self-check [resultFile]  proves the harness reports failures: a suite with a
#                                                     deliberately failing test must give failed > 0, and a
#                                                     suite that never finishes must time out as a failure
# Needs a build first (npm run build): dist/extension.js and out/test/vscode/index.js.
#
# Writes {"tier":"vscode","passed":N,"failed":N,"skipped":N} to resultFile: the mocha counts plus one test
# per screenshot, plus one per step of the walk (scripts/vscode-walk.mjs: the daily loop driven through the
# palette and the tree as a user would). A run that crashes or times out still leaves failed >= 1.
# Outputs: test-output/vscode/*.log, test-output/screenshots/revisions-view.png, model-codelens.png, and the
# walk's tree-fresh.png, palette.png, status-bar.png, tree-upgraded.png, tree-pending-revision.png,
# tree-two-heads.png, tree-merged.png.
# The tests in test/vscode/untrusted/ run first, alone, in a code-server with workspace trust on and the
# folder untrusted (restricted mode); the rest of the suite runs with workspace trust disabled.
# A throwaway PostgreSQL cluster (test/support/postgresCli.ts) runs while the suite does: its URL reaches
# the extension host as ALEMBIC_LENS_TEST_PG_URL (or the reason it could not start as
# ALEMBIC_LENS_TEST_PG_ERROR, which makes test/vscode/postgres.test.ts fail with that reason).
# Environment:
#   ALEMBIC_LENS_TEST_TIMEOUT   seconds for the mocha run (default 600) and for the screenshot (default 60)
#   ALEMBIC_LENS_SKIP_SCREENSHOT=1   skip the UI steps (screenshot and walk)
#   ALEMBIC_LENS_PYTHON         the Python with Alembic the walk sets as alembic.pythonPath (default /usr/bin/python3)
#   ALEMBIC_LENS_KEEP_RUN=1     keep the run folder (profiles, workspace copy) even on success
#   ALEMBIC_LENS_EXTENSION_PATH extension under test (default: the repo root)
#   ALEMBIC_LENS_SELFCHECK      passed to the extension host (see test/vscode/index.ts)
#   ALEMBIC_LENS_TEST_GREP      run only the mocha tests whose title matches (with ALEMBIC_LENS_SKIP_SCREENSHOT=1)
#   VERBOSE=1                   also print the browser console
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=vscode-harness.sh
source "$ROOT/scripts/vscode-harness.sh"

SELF_CHECK=0
if [ "${1:-}" = --self-check ]; then SELF_CHECK=1; shift; fi
RESULT="$(realpath -m "${1:-$ROOT/test-output/results/vscode.json}")"
TEST_TIMEOUT="${ALEMBIC_LENS_TEST_TIMEOUT:-600}"
EXT_PATH="$(realpath -m "${ALEMBIC_LENS_EXTENSION_PATH:-$ROOT}")"
TESTS_MODULE="$ROOT/out/test/vscode/index.js"
LOGS="$ROOT/test-output/vscode"
SHOT="$ROOT/test-output/screenshots/revisions-view.png"
WALK_STEPS=6 # scripts/vscode-walk.mjs
RUNS="$ALEMBIC_LENS_CACHE/runs"
RUN="$RUNS/vscode-test-$(date +%Y%m%d-%H%M%S)-$$"

log() { echo "[vscode-test $(date +%T)] $*"; }
fail_early() { echo "[vscode-test $(date +%T)] ERROR: $*" >&2; exit 1; }

# Atomic write, so a reader never sees half a file.
write_result() {
  mkdir -p "$(dirname "$RESULT")"
  printf '{"tier":"vscode","passed":%d,"failed":%d,"skipped":%d}\n' "$1" "$2" "$3" >"$RESULT.tmp" && mv "$RESULT.tmp" "$RESULT"
}
# Pessimistic default, replaced at the end: dying half-way (even by SIGKILL) still reports a failure.
write_result 0 1 0

DRIVER_PID=
PG_PID=
OK=0 # set to 1 when everything passed: the run folder is then removed
cleanup() {
  harness_kill_session "$DRIVER_PID"
  harness_stop_server
  stop_postgres
  if [ -d "$RUN" ]; then
    if [ "$OK" = 1 ] && [ -z "${ALEMBIC_LENS_KEEP_RUN:-}" ]; then rm -rf "$RUN"; else log "run folder kept for inspection: $RUN"; fi
  fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# ---------------------------------------------------------------- set-up
bash "$ROOT/scripts/ensure-system.sh" vscode || fail_early "system packages missing (see above)"
harness_install || fail_early "could not install the VS Code harness (see above)"
[ -f "$EXT_PATH/package.json" ] || fail_early "no extension at $EXT_PATH"
[ -f "$ROOT/dist/extension.js" ] && [ -f "$TESTS_MODULE" ] || fail_early "not built: run \`npm run build\` first"
[ -d "$ROOT/migrations-sample" ] || fail_early "missing $ROOT/migrations-sample"

rm -rf "$LOGS" && mkdir -p "$LOGS" "$RUN"
# Old run folders (kept after failures): drop those older than 2 hours, never a concurrent run's.
find "$RUNS" -mindepth 1 -maxdepth 1 -name 'vscode-test-*' -mmin +120 -exec rm -rf {} + 2>/dev/null

# The tests write into their workspace: each step gets a fresh copy of the sample's tracked files (not
# the app.db or __pycache__ that `npm start` leaves), the repo's copy is never touched.
copy_workspace() {
  node "$ROOT/out/test/support/sampleCopy.js" "$1/migrations-sample" && echo "$1/migrations-sample"
}

# start_postgres: the PostgreSQL cluster for the suite, in the background (it stops itself if this script
# dies); wait_postgres exports its URL, or why there is none. The URL (with the test password) stays in a
# mode-600 file and the environment, never in a log.
start_postgres() {
  [ -f "$ROOT/out/test/support/postgresCli.js" ] || return 0
  PG_URL_FILE="$RUN/pg-url"
  node "$ROOT/out/test/support/postgresCli.js" --url-file "$PG_URL_FILE" --database lens >"$LOGS/postgres.log" 2>&1 &
  PG_PID=$!
}
wait_postgres() {
  local i
  unset ALEMBIC_LENS_TEST_PG_URL ALEMBIC_LENS_TEST_PG_ERROR
  if [ -z "$PG_PID" ]; then
    export ALEMBIC_LENS_TEST_PG_ERROR="not started: out/test/support/postgresCli.js is missing (run npm run build)"
    return
  fi
  for i in $(seq 1 600); do # up to 60 s
    [ -s "$PG_URL_FILE" ] && break
    kill -0 "$PG_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -s "$PG_URL_FILE" ]; then
    ALEMBIC_LENS_TEST_PG_URL="$(cat "$PG_URL_FILE")"
    export ALEMBIC_LENS_TEST_PG_URL
    log "$(head -n 1 "$LOGS/postgres.log")"
  else
    export ALEMBIC_LENS_TEST_PG_ERROR="the PostgreSQL test server did not start: $(tail -n 5 "$LOGS/postgres.log" | tr '\n' ' ')"
    log "$ALEMBIC_LENS_TEST_PG_ERROR"
  fi
}
stop_postgres() {
  [ -n "$PG_PID" ] || return 0
  kill -TERM "$PG_PID" 2>/dev/null
  wait "$PG_PID" 2>/dev/null
  PG_PID=
}

# The extension host inherits code-server's environment: that is how the tests get these.
export ALEMBIC_LENS_COLOR=0
[ -t 1 ] && [ -z "${CI:-}" ] && ALEMBIC_LENS_COLOR=1

declare -A T # step timings, seconds

# start_server <workspace>: code-server with the workspace, trust prompt off (the tests need a trusted
# workspace). With UNTRUSTED=1: workspace trust on, no startup prompt, so the folder opens untrusted
# (restricted mode), in a server folder of its own.
start_server() {
  local t0
  t0=$(harness_now)
  if [ -n "${UNTRUSTED:-}" ]; then
    HARNESS_EXTRA_SETTINGS='"security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never"' \
      harness_start_server "$RUN/server-untrusted" "$1" || return 1
  else
    harness_start_server "$RUN/server" "$1" --disable-workspace-trust || return 1
  fi
  T[server_start]=$(harness_elapsed "$t0")
  log "code-server on $HARNESS_BASE_URL (pid $HARNESS_SERVER_PID) started in ${T[server_start]}s"
}

# run_driver <log name> <timeout s> <driver args...>: runs the driver in its own session (so Chromium,
# which Playwright puts in a process group of its own, can be ended with it) under a hard time limit.
# DRIVER_SCRIPT names another script taking the same common options (the walk).
run_driver() {
  local name="$1" limit="$2" rc
  shift 2
  setsid timeout -k 10 "$((limit + 90))" node "$ROOT/scripts/${DRIVER_SCRIPT:-vscode-driver.mjs}" \
    --harness "$HARNESS_DIR" --base "$HARNESS_BASE_URL" --ext "$EXT_PATH" --timeout "$limit" \
    --log "$LOGS/$name.log" "$@" &
  DRIVER_PID=$!
  wait "$DRIVER_PID"
  rc=$?
  harness_kill_session "$DRIVER_PID" # leftovers, if any
  DRIVER_PID=
  return $rc
}

# run_suite <workspace> <log name> <timeout s> [self-check mode]: sets PASSED FAILED SKIPPED SUITE_RC.
run_suite() {
  local ws="$1" name="$2" limit="$3" mocha_result="$RUN/$2-result.json" t0 counts
  export ALEMBIC_LENS_RESULT_FILE="$mocha_result" ALEMBIC_LENS_TEST_WORKSPACE="$ws"
  export ALEMBIC_LENS_SELFCHECK="${4-${ALEMBIC_LENS_SELFCHECK:-}}"
  # test/vscode/index.ts: only the tests in test/vscode/untrusted/, or all but those.
  export ALEMBIC_LENS_UNTRUSTED="${UNTRUSTED:+1}"
  start_server "$ws" || { PASSED=0 FAILED=1 SKIPPED=0 SUITE_RC=1; return; }
  t0=$(harness_now)
  log "running the mocha suite in the extension host (timeout ${limit}s)"
  run_driver "$name" "$limit" --mode test --folder "$ws" --tests "$TESTS_MODULE" --profile "$RUN/chromium-$name"
  SUITE_RC=$?
  T[tests]=$(harness_elapsed "$t0")
  if counts=$(node -e 'const c = require(process.argv[1]); console.log(c.passed, c.failed, c.skipped)' "$mocha_result" 2>/dev/null); then
    read -r PASSED FAILED SKIPPED <<<"$counts"
  else
    # No result: the run crashed, timed out or the tests module did not load. One failure, never silence.
    log "the suite reported no result (driver exit $SUITE_RC): counted as 1 failure; see $LOGS/$name.log"
    PASSED=0 FAILED=1 SKIPPED=0
  fi
  if [ "$SUITE_RC" -ne 0 ] && [ "$FAILED" -eq 0 ]; then
    log "driver exit $SUITE_RC although mocha reported no failure: counted as 1 failure"
    FAILED=1
  fi
}

# ---------------------------------------------------------------- self-check
if [ "$SELF_CHECK" = 1 ]; then
  checks_ok=0 checks_failed=0
  check() { # check <description> <condition...>
    local what="$1"
    shift
    if "$@"; then log "self-check OK: $what"; checks_ok=$((checks_ok + 1)); else log "self-check FAILED: $what"; checks_failed=$((checks_failed + 1)); fi
  }
  log "self-check 1/2: a suite with a deliberately failing test"
  run_suite "$(copy_workspace "$RUN/ws-fail")" selfcheck-fail "$TEST_TIMEOUT" fail
  harness_stop_server
  log "counts: passed=$PASSED failed=$FAILED skipped=$SKIPPED, driver exit $SUITE_RC"
  check "the failing test is counted (failed >= 1)" test "$FAILED" -ge 1
  check "the passing tests are counted (passed >= 1)" test "$PASSED" -ge 1
  check "the driver exits non-zero" test "$SUITE_RC" -ne 0

  log "self-check 2/2: a suite that never finishes (timeout 15s)"
  run_suite "$(copy_workspace "$RUN/ws-hang")" selfcheck-hang 15 hang
  harness_stop_server
  log "counts: passed=$PASSED failed=$FAILED skipped=$SKIPPED, driver exit $SUITE_RC"
  check "the timeout is reported (driver exit 124)" test "$SUITE_RC" -eq 124
  check "the timeout counts as a failure (failed = 1)" test "$FAILED" -eq 1

  write_result "$checks_ok" "$checks_failed" 0
  cp "$RUN/server/server.log" "$LOGS/server.log" 2>/dev/null
  [ "$checks_failed" -eq 0 ] && OK=1
  log "self-check: $checks_ok passed, $checks_failed failed"
  exit $((checks_failed > 0))
fi

# ---------------------------------------------------------------- the suite
start_postgres
# First the few tests of restricted mode (test/vscode/untrusted/), in an untrusted workspace of their own.
UNTRUSTED=1 run_suite "$(copy_workspace "$RUN/ws-untrusted")" tests-untrusted 120
harness_stop_server
log "mocha, untrusted workspace: $PASSED passed, $FAILED failed, $SKIPPED skipped (driver exit $SUITE_RC, ${T[tests]}s)"
read -r U_PASSED U_FAILED U_SKIPPED <<<"$PASSED $FAILED $SKIPPED"
# Under a folder named `build`: only folders inside the workspace may count as dependency folders.
WS_TEST="$(copy_workspace "$RUN/build")"
wait_postgres
run_suite "$WS_TEST" tests "$TEST_TIMEOUT"
stop_postgres
log "mocha: $PASSED passed, $FAILED failed, $SKIPPED skipped (driver exit $SUITE_RC, ${T[tests]}s)"
PASSED=$((PASSED + U_PASSED)) FAILED=$((FAILED + U_FAILED)) SKIPPED=$((SKIPPED + U_SKIPPED))

# ---------------------------------------------------------------- UI: screenshot of the Revisions view
if [ -n "${ALEMBIC_LENS_SKIP_SCREENSHOT:-}" ]; then
  log "screenshot step skipped (ALEMBIC_LENS_SKIP_SCREENSHOT)"
  SKIPPED=$((SKIPPED + 1))
elif [ -z "$HARNESS_SERVER_PID" ]; then
  log "screenshot of the Revisions view: FAILED (no server)"
  FAILED=$((FAILED + 1))
else
  # Same server, a fresh copy of the sample: nothing the tests did can show up in the picture.
  rm -f "$SHOT" "${SHOT%.png}.failed.png"
  t0=$(harness_now)
  run_driver screenshot "${ALEMBIC_LENS_TEST_TIMEOUT:-60}" --mode screenshot --folder "$(copy_workspace "$RUN/ws-ui")" \
    --png "$SHOT" --profile "$RUN/chromium-screenshot"
  shot_rc=$?
  T[screenshot]=$(harness_elapsed "$t0")
  if [ $shot_rc -eq 0 ] && [ -s "$SHOT" ]; then
    log "screenshot of the Revisions view: passed -> ${SHOT#"$ROOT"/} (${T[screenshot]}s)"
    PASSED=$((PASSED + 1))
  else
    log "screenshot of the Revisions view: FAILED (driver exit $shot_rc; see $LOGS/screenshot.log)"
    FAILED=$((FAILED + 1))
  fi
fi

# ---------------------------------------------------------------- UI: screenshot of the CodeLens on a model file
SHOT_LENS="$ROOT/test-output/screenshots/model-codelens.png"
if [ -n "${ALEMBIC_LENS_SKIP_SCREENSHOT:-}" ]; then
  SKIPPED=$((SKIPPED + 1))
elif [ -z "$HARNESS_SERVER_PID" ]; then
  log "screenshot of the model CodeLens: FAILED (no server)"
  FAILED=$((FAILED + 1))
else
  rm -f "$SHOT_LENS" "${SHOT_LENS%.png}.failed.png"
  t0=$(harness_now)
  run_driver screenshot-codelens "${ALEMBIC_LENS_TEST_TIMEOUT:-60}" --mode screenshot --folder "$(copy_workspace "$RUN/ws-lens")" \
    --png "$SHOT_LENS" --profile "$RUN/chromium-codelens" --view "Model Files" --open app/models.py --wait-text "created in"
  shot_rc=$?
  T[screenshot_codelens]=$(harness_elapsed "$t0")
  if [ $shot_rc -eq 0 ] && [ -s "$SHOT_LENS" ]; then
    log "screenshot of the model CodeLens: passed -> ${SHOT_LENS#"$ROOT"/} (${T[screenshot_codelens]}s)"
    PASSED=$((PASSED + 1))
  else
    log "screenshot of the model CodeLens: FAILED (driver exit $shot_rc; see $LOGS/screenshot-codelens.log)"
    FAILED=$((FAILED + 1))
  fi
fi

# ---------------------------------------------------------------- UI: a user's walk through the daily loop
if [ -n "${ALEMBIC_LENS_SKIP_SCREENSHOT:-}" ]; then
  log "walk skipped (ALEMBIC_LENS_SKIP_SCREENSHOT)"
  SKIPPED=$((SKIPPED + WALK_STEPS))
elif [ -z "$HARNESS_SERVER_PID" ]; then
  log "walk: FAILED (no server)"
  FAILED=$((FAILED + 1))
else
  # A fresh copy again; the walk writes alembic.pythonPath into its .vscode/settings.json.
  rm -f "$(dirname "$SHOT")"/walk-step-*.failed.png
  walk_result="$RUN/walk-result.json"
  t0=$(harness_now)
  DRIVER_SCRIPT=vscode-walk.mjs run_driver walk "${ALEMBIC_LENS_TEST_TIMEOUT:-120}" --folder "$(copy_workspace "$RUN/ws-walk")" \
    --out "$(dirname "$SHOT")" --python "${ALEMBIC_LENS_PYTHON:-/usr/bin/python3}" --result "$walk_result" --profile "$RUN/chromium-walk"
  walk_rc=$?
  T[walk]=$(harness_elapsed "$t0")
  if counts=$(node -e 'const c = require(process.argv[1]); console.log(c.passed, c.failed)' "$walk_result" 2>/dev/null); then
    read -r walk_passed walk_failed <<<"$counts"
  else
    log "the walk reported no result (exit $walk_rc): counted as 1 failure; see $LOGS/walk.log"
    walk_passed=0 walk_failed=1
  fi
  shots="$(dirname "$SHOT")"
  log "walk: $walk_passed passed, $walk_failed failed (${T[walk]}s; screenshots in ${shots#"$ROOT"/}/)"
  PASSED=$((PASSED + walk_passed))
  FAILED=$((FAILED + walk_failed))
fi

# ---------------------------------------------------------------- UI: the revision graph, from the palette
# scripts/vscode-graph-walk.mjs runs "Alembic: Show Revision Graph" (F1, type, Enter) and saves the panel: on
# the sample as it is (graph-sample.png), and with a generated branchy history (graph-branchy.png).
for history in sample branchy; do
  GRAPH_SHOT="$ROOT/test-output/screenshots/graph-$history.png"
  if [ -n "${ALEMBIC_LENS_SKIP_SCREENSHOT:-}" ]; then
    SKIPPED=$((SKIPPED + 1))
  elif [ -z "$HARNESS_SERVER_PID" ]; then
    log "screenshot of the revision graph ($history): FAILED (no server)"
    FAILED=$((FAILED + 1))
  else
    rm -f "$GRAPH_SHOT" "${GRAPH_SHOT%.png}.failed.png"
    t0=$(harness_now)
    DRIVER_SCRIPT=vscode-graph-walk.mjs run_driver "graph-$history" "${ALEMBIC_LENS_TEST_TIMEOUT:-90}" \
      --folder "$(copy_workspace "$RUN/ws-graph-$history")" --history "$history" --png "$GRAPH_SHOT" --profile "$RUN/chromium-graph-$history"
    shot_rc=$?
    if [ $shot_rc -eq 0 ] && [ -s "$GRAPH_SHOT" ]; then
      log "screenshot of the revision graph ($history): passed -> ${GRAPH_SHOT#"$ROOT"/} ($(harness_elapsed "$t0")s)"
      PASSED=$((PASSED + 1))
    else
      log "screenshot of the revision graph ($history): FAILED (exit $shot_rc; see $LOGS/graph-$history.log)"
      FAILED=$((FAILED + 1))
    fi
  fi
done

harness_stop_server
cp "$RUN/server/server.log" "$LOGS/server.log" 2>/dev/null
write_result "$PASSED" "$FAILED" "$SKIPPED"
[ "$FAILED" -eq 0 ] && OK=1
log "vscode tier: $PASSED passed, $FAILED failed, $SKIPPED skipped; timings: server start ${T[server_start]:-?}s, tests ${T[tests]:-?}s, screenshot ${T[screenshot]:--}s, walk ${T[walk]:--}s"
exit $((FAILED > 0))
