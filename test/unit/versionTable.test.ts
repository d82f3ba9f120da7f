import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { currentFromAlembicOutput, readDatabaseRevisions } from '../../src/core/versionTable';
import { tempDir } from '../support/tempProject';

describe('currentFromAlembicOutput', () => {
  it('reads one revision per line, with or without head markers and branch labels', () => {
    assert.deepStrictEqual(currentFromAlembicOutput('92404fb3f98d (head)\n'), ['92404fb3f98d']);
    assert.deepStrictEqual(currentFromAlembicOutput('abc (effective head)\ndef (mybranch) (head)\n0001_initial\n'), [
      'abc',
      'def',
      '0001_initial',
    ]);
  });

  it('reads empty output as base', () => {
    assert.deepStrictEqual(currentFromAlembicOutput(''), []);
    assert.deepStrictEqual(currentFromAlembicOutput('\n\n'), []);
  });

  it('skips logging lines, also when stderr was merged in', () => {
    const out = [
      'INFO  [alembic.runtime.migration] Context impl SQLiteImpl.',
      'INFO  [alembic.runtime.migration] Will assume non-transactional DDL.',
      '13c9c7d2277c',
      'WARNI [alembic.env] something',
    ].join('\n');
    assert.deepStrictEqual(currentFromAlembicOutput(out), ['13c9c7d2277c']);
  });

  it('reads the Rev: lines of --verbose output', () => {
    const out = [
      'Current revision(s) for sqlite:////tmp/app.db:',
      'Rev: 92404fb3f98d (head)',
      'Parent: 13c9c7d2277c',
      'Path: /tmp/alembic/versions/92404fb3f98d_add_email_column_to_users.py',
      '',
      '    add email column to users',
      '    ',
      '    Revision ID: 92404fb3f98d',
      '    Revises: 13c9c7d2277c',
      '',
    ].join('\n');
    assert.deepStrictEqual(currentFromAlembicOutput(out), ['92404fb3f98d']);
  });
});

describe('readDatabaseRevisions without a server', () => {
  it('says no-database for a missing SQLite file and does not create it', async () => {
    const dir = tempDir('alembic-lens-vt-');
    try {
      const result = await readDatabaseRevisions('sqlite:///missing.db', { cwd: dir });
      assert.deepStrictEqual(result, { status: 'no-database' });
      assert.strictEqual(fs.existsSync(path.join(dir, 'missing.db')), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is unsupported when the SQLite driver does not load (a native module for another runtime)', async () => {
    const dir = tempDir('alembic-lens-vt-');
    try {
      fs.writeFileSync(path.join(dir, 'app.db'), '');
      fs.writeFileSync(path.join(dir, 'bogus.node'), 'not a shared object');
      const result = await readDatabaseRevisions('sqlite:///app.db', {
        cwd: dir,
        sqliteNativeBinding: path.join(dir, 'bogus.node'),
      });
      assert.strictEqual(result.status, 'unsupported', JSON.stringify(result));
      assert.match((result as { message: string }).message, /driver does not load/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is unsupported for in-memory SQLite, other dialects, the placeholder and unreadable URLs', async () => {
    for (const url of [
      'sqlite://',
      'mssql+pyodbc://u:secret@h/db',
      'driver://user:pass@localhost/dbname',
      'nonsense',
    ]) {
      const result = await readDatabaseRevisions(url, { cwd: '/' });
      assert.strictEqual(result.status, 'unsupported', `${url}: ${JSON.stringify(result)}`);
      assert.ok(!JSON.stringify(result).includes('secret'));
    }
  });
});
