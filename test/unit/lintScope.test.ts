// alembic.lint.scope = new: which revisions are new, from what git and the database have said so far.
import * as assert from 'node:assert';
import { loadProject } from '../../src/core';
import { databaseState } from '../../src/core/databaseState';
import { newRevisions } from '../../src/core/teams/lintScope';
import { tempDir, writeProject } from '../support/tempProject';

describe('the lint scope "new"', () => {
  const project = loadProject(
    writeProject(tempDir(), [
      { id: 'a1', down: null },
      { id: 'b2', down: 'a1' },
      { id: 'c3', down: 'b2' },
    ]),
  );
  const sources = [...project.graph.revisions.values()].map((r) => r.source);
  const newOnes = (facts: Parameters<typeof newRevisions>[1]): string[] | 'all' => {
    const inScope = newRevisions(project.graph, facts);
    return inScope ? sources.filter(inScope).map((s) => s.revision) : 'all';
  };
  const atB2 = databaseState(project.graph, ['b2']);

  it('is what this branch adds against its base when git could compare, whatever the database says', () => {
    const c3 = sources.find((s) => s.revision === 'c3')!.path;
    for (const database of [atB2, 'unread' as const, undefined])
      assert.deepStrictEqual(newOnes({ compared: true, newFiles: new Set([c3]), database }), ['c3']);
  });

  it('is nothing until git has been asked, then until the database is read: never every revision first', () => {
    assert.deepStrictEqual(newOnes({ compared: false, database: atB2 }), []);
    assert.deepStrictEqual(newOnes({ compared: false, database: undefined }), []);
    assert.deepStrictEqual(newOnes({ compared: true, database: 'unread' }), []);
  });

  it('without git: what the database has not applied; every revision when the database cannot be known', () => {
    assert.deepStrictEqual(newOnes({ compared: true, database: atB2 }), ['c3']);
    assert.deepStrictEqual(newOnes({ compared: true, database: databaseState(project.graph, []) }), ['a1', 'b2', 'c3']);
    assert.strictEqual(newOnes({ compared: true, database: undefined }), 'all');
  });
});
