// The order of the SQLite readers: better-sqlite3 (through knex) first; when it does not load, the
// runtime's node:sqlite (loader injected here: this tier runs on Node 20, which has none); when that is
// missing too, `unsupported`, so the caller asks `alembic current`. The real node:sqlite path runs under
// Node 22 in test/alembic/nodeSqlite.test.ts.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { type NodeSqlite, readDatabaseRevisions } from '../../src/core/versionTable';

const BROKEN_BINDING = '/nonexistent/better_sqlite3.node';

let dir: string;
let file: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-sqlite-order-'));
  file = path.join(dir, 'app.db');
  const db = new Database(file);
  db.exec(
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL); INSERT INTO alembic_version VALUES ('92404fb3f98d')",
  );
  db.close();
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** node:sqlite's API over the real SQLite file (better-sqlite3 loads in this test process), recording the calls. */
function recordingNodeSqlite(calls: string[]): NodeSqlite {
  class DatabaseSync {
    private readonly db: Database.Database;
    constructor(filename: string, options?: { readOnly?: boolean }) {
      calls.push(`open readOnly=${options?.readOnly}`);
      this.db = new Database(filename, { readonly: options?.readOnly === true, fileMustExist: true });
    }
    exec(sql: string): void {
      calls.push(sql);
      this.db.exec(sql);
    }
    prepare(sql: string): { all(): unknown[] } {
      calls.push(sql);
      return this.db.prepare(sql);
    }
    close(): void {
      this.db.close();
    }
  }
  return { DatabaseSync };
}

describe('versionTable: the SQLite readers, in order', () => {
  it('uses better-sqlite3 when it loads, without asking for node:sqlite', async () => {
    let asked = 0;
    const result = await readDatabaseRevisions(`sqlite:///${file}`, {
      cwd: dir,
      loadNodeSqlite: () => {
        asked++;
        return undefined;
      },
    });
    assert.deepStrictEqual(result, { status: 'ok', revisions: ['92404fb3f98d'] });
    assert.strictEqual(asked, 0);
  });

  it('falls back to node:sqlite, read-only, when better-sqlite3 does not load, and says so', async () => {
    const calls: string[] = [];
    const result = await readDatabaseRevisions(`sqlite:///${file}`, {
      cwd: dir,
      sqliteNativeBinding: BROKEN_BINDING,
      loadNodeSqlite: () => recordingNodeSqlite(calls),
    });
    assert.deepStrictEqual(result, { status: 'ok', revisions: ['92404fb3f98d'], via: 'node:sqlite' });
    assert.deepStrictEqual(calls, [
      'open readOnly=true',
      'PRAGMA query_only = ON',
      'SELECT version_num FROM "alembic_version"',
    ]);
  });

  it('is unsupported (ask alembic current) when neither loads, naming both', async () => {
    const result = await readDatabaseRevisions(`sqlite:///${file}`, {
      cwd: dir,
      sqliteNativeBinding: BROKEN_BINDING,
      loadNodeSqlite: () => undefined,
    });
    assert.strictEqual(result.status, 'unsupported');
    assert.match(
      result.status === 'unsupported' ? result.message : '',
      /sqlite driver does not load here.*no node:sqlite either/s,
    );
  });

  it('tells a database without a version table through node:sqlite too', async () => {
    const result = await readDatabaseRevisions(`sqlite:///${file}`, {
      cwd: dir,
      versionTable: 'other_version',
      sqliteNativeBinding: BROKEN_BINDING,
      loadNodeSqlite: () => recordingNodeSqlite([]),
    });
    assert.deepStrictEqual(result, { status: 'no-version-table' });
  });
});
