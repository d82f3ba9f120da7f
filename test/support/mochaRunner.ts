// Runs a set of mocha test files and records the counts, so that `scripts/test.mjs` can sum all tiers.
// Used in plain Node (unit and alembic tiers) and inside the VS Code extension host (vscode tier).
import * as fs from 'node:fs';
import * as path from 'node:path';

import Mocha = require('mocha');

export interface TierCounts {
  tier: string;
  passed: number;
  failed: number;
  skipped: number;
}

export function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

/** Runs mocha over `files`; writes `{tier, passed, failed, skipped}` to `resultFile`; resolves to the failure count. */
export function runMochaFiles(
  tier: string,
  files: string[],
  resultFile: string,
  options: Mocha.MochaOptions = {},
): Promise<number> {
  // ALEMBIC_LENS_TEST_GREP runs only the tests whose full title matches this regular expression (a developer's
  // shortcut; CI never sets it).
  const grep = process.env.ALEMBIC_LENS_TEST_GREP;
  const mocha = new Mocha({
    ui: 'bdd',
    color: !process.env.CI,
    timeout: 20000,
    ...(grep ? { grep: new RegExp(grep) } : {}),
    ...options,
  });
  for (const file of files) mocha.addFile(file);
  return new Promise((resolve) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
      const counts: TierCounts = { tier, passed: stats.passes, failed: stats.failures, skipped: stats.pending };
      fs.mkdirSync(path.dirname(resultFile), { recursive: true });
      fs.writeFileSync(resultFile, JSON.stringify(counts));
      resolve(failures);
    });
  });
}
