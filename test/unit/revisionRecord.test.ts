import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintProject } from '../../src/core/lint';
import { loadProject } from '../../src/core/project';
import { revisionReferences } from '../../src/core/revisionReferences';
import { revisionText, tempDir, writeProject } from '../support/tempProject';

describe('revision records: each file read once, by the project', () => {
  it('lints a file in its declared encoding, as Alembic imports it', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    const file = path.join(dir, 'alembic', 'versions', 'a1_rev.py');
    const text = revisionText({ id: 'a1', upgrade: ["op.drop_table('caf\u00e9')"] });
    fs.writeFileSync(file, Buffer.from(`# -*- coding: latin-1 -*-\n${text}`, 'latin1'));
    const drop = lintProject(loadProject(ini), { env: {}, dotenv: {} }).find((p) => p.code === 'drop-table');
    assert.ok(drop, 'the drop is found');
    assert.match(drop.message, /'caf\u00e9'/);
  });

  it('keeps one record per file: lint, the table history and a second lint read it once', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [
      { id: 'a1', upgrade: ["op.create_table('users', sa.Column('id', sa.Integer()))"] },
      { id: 'b1', down: 'a1', upgrade: ["op.drop_table('users')"] },
    ]);
    const project = loadProject(ini);
    const source = project.graph.get('b1')!.source;
    const first = lintProject(project, { env: {}, dotenv: {} });
    const record = project.revisionRecord(source);
    assert.ok(record);
    assert.deepStrictEqual(
      record.upgradeOps.map((op) => `${op.op} ${op.table}`),
      ['drop_table users'],
    );
    assert.deepStrictEqual(lintProject(project, { env: {}, dotenv: {} }), first);
    assert.strictEqual(project.revisionRecord(source), record, 'the same options: nothing read again');
    lintProject(project, { env: {}, dotenv: {}, dialect: 'sqlite' });
    assert.notStrictEqual(project.revisionRecord(source), record, 'another dialect: the findings are read again');
  });

  it('keeps where down_revision and depends_on name their ids, as the whole text gives them', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b1' }, { id: 'c1', down: 'a1', dependsOn: 'b1' }]);
    const file = path.join(dir, 'alembic', 'versions', 'c1_rev.py');
    const text = revisionText({ id: 'c1', down: 'a1', dependsOn: 'b1' }).replace(
      'down_revision = "a1"',
      'down_revision = (  # merged\n    "a1",\n    "b1",\n)',
    );
    fs.writeFileSync(file, text);
    const project = loadProject(ini);
    const refs = project.revisionRecord(project.graph.get('c1')!.source)!.parentRefs;
    const expected = revisionReferences(text).filter((r) => r.kind === 'down_revision' || r.kind === 'depends_on');
    assert.deepStrictEqual(refs, expected);
    assert.deepStrictEqual(
      refs.map((r) => `${r.kind} ${r.id} ${r.line}`),
      ['down_revision a1 13', 'down_revision b1 14', 'depends_on b1 17'],
    );
  });

  it('tells whether a file a command just wrote has an empty upgrade(), loaded or not', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    const project = loadProject(ini);
    const versions = path.join(dir, 'alembic', 'versions');
    assert.strictEqual(project.recordOfFile(path.join(versions, 'a1_rev.py'))?.upgradeEmpty, true);
    const added = path.join(versions, 'b1_rev.py');
    fs.writeFileSync(added, revisionText({ id: 'b1', down: 'a1', upgrade: ["op.drop_table('users')"] }));
    assert.strictEqual(project.recordOfFile(added)?.upgradeEmpty, false);
    assert.deepStrictEqual(
      project.revisionFiles.map((f) => path.basename(f)),
      ['a1_rev.py'],
      'not added by reading',
    );
  });
});
