// Reading the version table of a SQLite database made by the real sqlite3 (Python's) creates and
// changes nothing: no -shm or -wal file appears, no byte or mtime of any file moves. Where a safe
// read is impossible (changes still in the -wal file), the reader says so and asks for Alembic.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDatabaseRevisions } from '../../src/core/versionTable';
import { tempDir } from '../support/tempProject';

const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';

function python(script: string, cwd: string): void {
  const result = spawnSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(result.status, 0, `${PYTHON} failed: ${result.stderr}${result.error ?? ''}`);
}

/** Every file of the folder: name, a digest of its bytes, and its mtime to the nanosecond. */
function snapshot(dir: string): Record<string, { sha256: string; mtimeNs: string }> {
  const files: Record<string, { sha256: string; mtimeNs: string }> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    files[name] = { sha256, mtimeNs: String(fs.statSync(file, { bigint: true }).mtimeNs) };
  }
  return files;
}

const CREATE = [
  'import os, sqlite3',
  'c = sqlite3.connect("app.db")',
  'assert c.execute("pragma journal_mode=wal").fetchone()[0] == "wal"',
  'c.execute("create table alembic_version (version_num varchar(32) not null)")',
  'c.execute("insert into alembic_version values (\'92404fb3f98d\')")',
  'c.commit()',
];

describe('SQLite: reading never creates or changes a file', function () {
  this.timeout(30000);

  it('a WAL database closed cleanly, its -shm removed: read, and the folder is byte for byte the same', async () => {
    const dir = tempDir('alembic-lens-wal-');
    python([...CREATE, 'c.close()'].join('\n'), dir);
    fs.rmSync(path.join(dir, 'app.db-shm'), { force: true });
    const before = snapshot(dir);
    assert.deepStrictEqual(Object.keys(before), ['app.db']);
    const result = await readDatabaseRevisions('sqlite:///app.db', { cwd: dir });
    assert.deepStrictEqual(result, { status: 'ok', revisions: ['92404fb3f98d'] });
    assert.deepStrictEqual(snapshot(dir), before);
  });

  it('a WAL database whose last commit is still in -wal (the writer died), -shm removed: no file touched, Alembic asked', async () => {
    const dir = tempDir('alembic-lens-wal-');
    // os._exit: no close, so no checkpoint: the update stays in app.db-wal.
    python(
      [
        ...CREATE,
        'c.execute("pragma wal_autocheckpoint=0")',
        'c.execute("update alembic_version set version_num = \'a1b2c3d4e5f6\'")',
        'c.commit()',
        'os._exit(0)',
      ].join('\n'),
      dir,
    );
    fs.rmSync(path.join(dir, 'app.db-shm'), { force: true });
    const before = snapshot(dir);
    assert.deepStrictEqual(Object.keys(before), ['app.db', 'app.db-wal']);
    const result = await readDatabaseRevisions('sqlite:///app.db', { cwd: dir });
    assert.strictEqual(result.status, 'unsupported', JSON.stringify(result));
    assert.match((result as { message: string }).message, /app\.db-wal/);
    assert.deepStrictEqual(snapshot(dir), before);
  });

  it('a rollback-journal database: read, nothing created or changed', async () => {
    const dir = tempDir('alembic-lens-journal-');
    python(
      CREATE.filter((l) => !l.includes('journal_mode'))
        .concat('c.close()')
        .join('\n'),
      dir,
    );
    const before = snapshot(dir);
    const result = await readDatabaseRevisions('sqlite:///app.db', { cwd: dir });
    assert.deepStrictEqual(result, { status: 'ok', revisions: ['92404fb3f98d'] });
    assert.deepStrictEqual(snapshot(dir), before);
  });
});
