// The migration tests in an untrusted workspace (restricted mode): scripts/vscode-test.sh runs this folder
// alone in a code-server with workspace trust on and the folder not trusted. The revisions are listed
// in the Test Explorer, each saying why it cannot run; a run runs no Python and makes no database.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../../src/testApi/testApi';
import { activatedApi, readRevisionFiles, workspaceRoot } from '../helpers';

const WHY = /trust the workspace to run them/;

describe('migration tests in an untrusted workspace', function () {
  this.timeout(60000);
  let api: AlembicLensApi;

  before(async function () {
    this.timeout(45000);
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the harness opened the folder untrusted');
    api = await activatedApi<AlembicLensApi>();
    await api.whenIdle();
  });

  it('lists every revision and the project checks, each saying why it cannot run', () => {
    const items = api.migrationTests.items();
    const revisions = readRevisionFiles().map((r) => r.revision);
    assert.ok(revisions.length >= 2, `the sample's revisions: ${revisions}`);
    assert.deepStrictEqual(
      items
        .map((i) => i.id)
        .filter((id) => id.startsWith('stairway:'))
        .sort(),
      revisions.map((r) => `stairway:${r}`).sort(),
    );
    for (const check of ['single-head', 'models-match', 'downgrade-to-base'])
      assert.ok(
        items.some((i) => i.id === `check:${check}`),
        `check:${check}`,
      );
    for (const item of items) assert.match(item.error ?? '', WHY, `${item.id} says why it cannot run`);
  });

  it('a run runs nothing: every item errored with the reason, no scratch database, no project database', async () => {
    const run = await api.migrationTests.run([]);
    assert.strictEqual(run.outcomes.length, api.migrationTests.items().length);
    for (const outcome of run.outcomes) {
      assert.strictEqual(outcome.status, 'errored', outcome.id);
      assert.match(outcome.message, WHY);
    }
    assert.strictEqual(run.database, undefined, 'no scratch database was made');
    assert.ok(!fs.existsSync(path.join(workspaceRoot(), 'app.db')), 'no database was created in the workspace');
  });
});
