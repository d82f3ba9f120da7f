// Entry point for a plain-Node test tier: `node out/test/support/runTier.js <tier> <resultFile>`.
import * as path from 'node:path';
import { findTestFiles, runMochaFiles } from './mochaRunner';

async function main(): Promise<void> {
  const [tier, resultFile] = process.argv.slice(2);
  const dir = path.join(__dirname, '..', tier);
  const failures = await runMochaFiles(tier, findTestFiles(dir), resultFile, {
    timeout: tier === 'alembic' ? 120000 : 20000,
  });
  process.exitCode = failures ? 1 : 0;
}

void main();
