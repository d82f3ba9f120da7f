import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadProject } from '../../src/core/project';
import { revisionText, tempDir, writeProject } from '../support/tempProject';

describe('parse cache', () => {
  const setBack = (file: string, seconds: number) => {
    const t = new Date(Date.now() - seconds * 1000);
    fs.utimesSync(file, t, t);
  };

  it('reuses parsed files across loads and re-reads a file that changed', () => {
    const dir = tempDir();
    const cacheDir = path.join(dir, 'cache');
    const ini = writeProject(dir, [{ id: 'a1', message: 'first' }, { id: 'b2', down: 'a1' }]);
    const a1 = path.join(dir, 'alembic', 'versions', 'a1_rev.py');
    for (const file of fs.readdirSync(path.dirname(a1))) setBack(path.join(path.dirname(a1), file), 60);
    loadProject(ini, { cacheDir });
    assert.strictEqual(fs.readdirSync(cacheDir).length, 1);

    // Same size and mtime: the cached parse is used even though the text differs (proves the hit).
    const stat = fs.statSync(a1);
    fs.writeFileSync(a1, revisionText({ id: 'a1', message: 'FIRST' }));
    fs.utimesSync(a1, stat.atime, stat.mtime);
    assert.strictEqual(loadProject(ini, { cacheDir }).graph.get('a1')!.source.message, 'first');

    // A real edit changes the mtime: the file is parsed again.
    fs.writeFileSync(a1, revisionText({ id: 'a1', message: 'edited message' }));
    setBack(a1, 30);
    assert.strictEqual(loadProject(ini, { cacheDir }).graph.get('a1')!.source.message, 'edited message');
  });

  it('never caches a file modified in the last seconds (racily clean)', () => {
    const dir = tempDir();
    const cacheDir = path.join(dir, 'cache');
    const ini = writeProject(dir, [{ id: 'a1', message: 'first' }]);
    const a1 = path.join(dir, 'alembic', 'versions', 'a1_rev.py');
    loadProject(ini, { cacheDir });
    const stat = fs.statSync(a1);
    fs.writeFileSync(a1, revisionText({ id: 'a1', message: 'FIRST' }));
    fs.utimesSync(a1, stat.atime, stat.mtime);
    assert.strictEqual(loadProject(ini, { cacheDir }).graph.get('a1')!.source.message, 'FIRST');
  });
});
