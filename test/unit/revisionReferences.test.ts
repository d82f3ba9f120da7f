import * as assert from 'node:assert';
import { loadProject } from '../../src/core/project';
import { referenceAt, resolveRevision, revisionReferences } from '../../src/core/revisionReferences';
import { tempDir, writeProject } from '../support/tempProject';

const FILE = [
  '"""merge the branches',
  '',
  'Revision ID: c3c3c3c3',
  'Revises: a1a1a1a1, b2b2b2b2',
  '"""',
  "revision = 'c3c3c3c3'",
  'down_revision = (  # the two parents',
  "    'a1a1a1a1',",
  '    "b2b2b2b2",  # not \'zzzz\' here',
  ')',
  "depends_on: str | None = 'dep1'",
  "x = 'not a reference'",
  'def upgrade():',
  "    revision = 'inside a function'",
].join('\n');

describe('revisionReferences', () => {
  it('finds the ids of revision, down_revision (over several lines), depends_on and the docstring headers', () => {
    const refs = revisionReferences(FILE).map((r) => `${r.kind}:${r.id}@${r.line}:${r.start}-${r.end}`);
    assert.deepStrictEqual(
      refs.filter((r) => !r.startsWith('Revis')),
      [
        'revision:c3c3c3c3@5:12-20',
        'down_revision:a1a1a1a1@7:5-13',
        'down_revision:b2b2b2b2@8:5-13',
        'depends_on:dep1@10:26-30',
      ],
    );
    assert.ok(refs.includes('Revises:a1a1a1a1@3:9-17'), JSON.stringify(refs));
    assert.ok(
      !refs.some((r) => r.includes('zzzz') || r.includes('not a reference') || r.includes('inside a function')),
    );
  });

  it('answers which id is under a position', () => {
    assert.strictEqual(referenceAt(FILE, 7, 6)?.id, 'a1a1a1a1');
    assert.strictEqual(referenceAt(FILE, 7, 2), undefined);
  });

  it('resolves full ids, 4+ character prefixes and labels like Alembic, and explains failures', () => {
    const dir = tempDir();
    const project = loadProject(
      writeProject(dir, [{ id: 'a1a1a1a1' }, { id: 'a1b2c3d4', down: 'a1a1a1a1', labels: 'feature' }]),
    );
    assert.strictEqual(resolveRevision(project, 'a1b2')?.revision?.id, 'a1b2c3d4');
    assert.strictEqual(resolveRevision(project, 'feature')?.revision?.id, 'a1b2c3d4');
    assert.match(resolveRevision(project, 'a1')?.error ?? '', /Multiple revisions start with 'a1'/);
    assert.match(resolveRevision(project, 'ffff')?.error ?? '', /No such revision/);
  });
});
