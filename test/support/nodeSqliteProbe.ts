// Run by test/alembic/nodeSqlite.test.ts under a Node 22 runtime, where the better-sqlite3 in
// node_modules (built for Node 20) cannot load: prints what readDatabaseRevisions answers, as JSON.
// Usage: node nodeSqliteProbe.js <url> <cwd> [versionTable]
import { readDatabaseRevisions } from '../../src/core/versionTable';

async function main(): Promise<void> {
  const [url, cwd, versionTable] = process.argv.slice(2);
  const result = await readDatabaseRevisions(url, { cwd, versionTable });
  process.stdout.write(`${JSON.stringify({ node: process.version, result })}\n`);
}

void main();
