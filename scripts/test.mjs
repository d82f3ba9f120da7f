// `npm test`: runs every tier and ends with one summary line, `N passed, N failed[, N skipped]`.
//   unit     plain Node, src/core only
//   alembic  differential tests against the real Alembic (Debian python3-alembic)
//   vscode   the extension-host suite in a real VS Code (code-server + headless Chromium)
//   vsix     the packaged .vsix installed into a clean code-server profile (scripts/vsix-test.sh)
// `node scripts/test.mjs unit alembic` runs only the tiers named.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const resultsDir = path.join(root, 'test-output', 'results');
const allTiers = ['unit', 'alembic', 'vscode', 'vsix'];
const tiers = process.argv.slice(2).length ? process.argv.slice(2) : allTiers;

const commands = {
  unit: (result) => ['node', [path.join(root, 'out/test/support/runTier.js'), 'unit', result]],
  alembic: (result) => ['node', [path.join(root, 'out/test/support/runTier.js'), 'alembic', result]],
  vscode: (result) => ['bash', [path.join(root, 'scripts/vscode-test.sh'), result]],
  vsix: (result) => ['bash', [path.join(root, 'scripts/vsix-test.sh'), result]],
};

// The tiers that need system packages install them first (a no-op when present).
const setup = spawnSync('bash', [path.join(root, 'scripts/ensure-system.sh'), ...tiers], { stdio: 'inherit' });
if (setup.status !== 0)
  console.error('[test] system set-up failed: the tiers that need it will fail with their own message');

fs.rmSync(resultsDir, { recursive: true, force: true });
fs.mkdirSync(resultsDir, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const tier of tiers) {
  if (!commands[tier]) {
    console.error(`[test] unknown tier ${tier}; known: ${allTiers.join(', ')}`);
    totals.failed++;
    continue;
  }
  const resultFile = path.join(resultsDir, `${tier}.json`);
  const [cmd, args] = commands[tier](resultFile);
  console.log(`\n[test] ===== tier ${tier} =====`);
  const started = Date.now();
  const run = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ALEMBIC_LENS_ROOT: root } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let counts;
  try {
    counts = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    // A tier that died before reporting counts as one failure, never as silence.
    counts = { passed: 0, failed: 1, skipped: 0 };
    console.error(`[test] tier ${tier} exited with ${run.status ?? run.signal} and reported no results`);
  }
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  lines.push(
    `[test] ${tier}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${seconds}s)`,
  );
}
console.log('');
for (const line of lines) console.log(line);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed ? 1 : 0);
